using System.Text.RegularExpressions;

namespace Dativo.Core.Text;

/// <summary>File globs of <c>source.files</c>: <c>*</c> within a path segment, <c>**</c> across segments, <c>?</c> one character.</summary>
public static class Globs
{
    public static bool HasWildcard(string path) => path.IndexOfAny(['*', '?', '[']) >= 0;

    public static Regex ToRegex(string glob)
    {
        var sb = new System.Text.StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                i++;
                if (i + 1 < glob.Length && glob[i + 1] == '/') { i++; sb.Append("(?:.*/)?"); }
                else sb.Append(".*");
            }
            else if (c == '*') sb.Append("[^/]*");
            else if (c == '?') sb.Append("[^/]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }

    /// <summary>The folder a local glob is listed from (the path up to its first segment with a wildcard) and the pattern for keys under it.</summary>
    public static (string Root, Regex Pattern) Split(string fullPath)
    {
        var parts = fullPath.Split('/');
        var firstWild = Array.FindIndex(parts, HasWildcard);
        var root = string.Join('/', parts[..firstWild]);
        return (root.Length == 0 ? "/" : root, ToRegex(string.Join('/', parts[firstWild..])));
    }

    /// <summary>
    /// True when a local glob matches at least one file a run would read (names starting with '.' or '_' are never
    /// read). Stops at the first match.
    /// </summary>
    public static bool MatchesAnyLocalFile(string fullPath)
    {
        var (root, pattern) = Split(fullPath);
        if (!Directory.Exists(root)) return false;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None };
        foreach (var file in Directory.EnumerateFiles(root, "*", options))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith('.') || name.StartsWith('_')) continue;
            if (pattern.IsMatch(Path.GetRelativePath(root, file).Replace('\\', '/'))) return true;
        }
        return false;
    }
}
