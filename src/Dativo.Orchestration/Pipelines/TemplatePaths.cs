using System.Text;
using Dativo.Core.Errors;

namespace Dativo.Orchestration.Pipelines;

/// <summary>
/// Renders a templated path (<c>job:</c>, <c>pipeline:</c>, <c>with.sql_file</c>, <c>working_dir</c>, <c>with.warehouse</c>, a
/// command's program or script). A value from data (<see cref="Template.IsData"/>) may only name something inside the folder
/// that the text before it names: it may not be absolute, a URI, or climb out with <c>..</c> — alone or together with
/// the values next to it. Values chosen by whoever wrote or started the pipeline (params, dates, run ids) are used as written.
/// </summary>
internal static class TemplatePaths
{
    public const string Rule = "a value from data (dataset, outputs, parameters filled from them) may not be absolute, a URI, or climb out with '..'; " +
        "write such a path literally in the pipeline (see 'Safety' in docs/orchestration.md)";

    public static string Render(string text, Func<string, string?> resolve, Func<string, bool> isData, string setting)
    {
        var sb = new StringBuilder();
        int? baseEnd = null;
        var used = new List<string>();
        foreach (var (literal, reference) in Template.Split(text))
        {
            if (reference is null)
            {
                sb.Append(literal);
                continue;
            }
            var value = resolve(reference) ?? throw new DativoException(Template.Undefined(reference));
            if (isData(reference))
            {
                baseEnd ??= LastSeparator(sb) + 1;
                if (Problem(value) is { } problem)
                    throw new DativoException($"{setting}: the value {Template.Show(value)} of {{{{ {reference} }}}} {problem}; {Rule}");
                used.Add($"{Template.Show(value)} of {{{{ {reference} }}}}");
            }
            sb.Append(value);
        }
        var result = sb.ToString();
        if (baseEnd is { } end && Climbs(result.AsSpan(end)))
        {
            var folder = end == 0 ? "the folder it is relative to" : $"'{result[..end]}'";
            throw new DativoException($"{setting}: {string.Join(" and ", used)} make the path {Template.Show(result)}, which leaves {folder}; {Rule}");
        }
        return result;
    }

    private static string? Problem(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal)) return "contains a NUL character";
        if (value.Contains("://", StringComparison.Ordinal)) return "is a URI";
        if (value.Length > 0 && (value[0] is '/' or '\\' || Path.IsPathRooted(value))) return "is an absolute path";
        if (value.Split('/', '\\').Contains("..")) return "climbs out with '..'";
        return null;
    }

    /// <summary>Whether a relative path goes above its starting folder at any point.</summary>
    private static bool Climbs(ReadOnlySpan<char> rest)
    {
        if (rest.Length > 0 && rest[0] is '/' or '\\') return true;
        var depth = 0;
        foreach (var range in rest.SplitAny('/', '\\'))
        {
            var segment = rest[range];
            if (segment is "..")
            {
                if (--depth < 0) return true;
            }
            else if (segment is not ("." or "")) depth++;
        }
        return false;
    }

    private static int LastSeparator(StringBuilder sb)
    {
        for (var i = sb.Length - 1; i >= 0; i--)
            if (sb[i] is '/' or '\\') return i;
        return -1;
    }
}
