using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dativo.Core.Config.Yaml;

/// <summary>
/// The one way the product reads YAML (jobs, contracts, connector recipes, pipelines): a node tree that remembers
/// line and column of every node, within <see cref="YamlLimits"/>, and exactly one document per file.
/// </summary>
public static class YamlFile
{
    public static YamlNode Load(string path, string? displayName = null, YamlLimits? limits = null)
    {
        var shown = displayName ?? path;
        limits ??= YamlLimits.Default;
        if (!File.Exists(path))
            throw new Errors.DativoException($"{shown}: file not found");
        return Parse(ReadBounded(path, shown, limits), shown, limits);
    }

    public static YamlNode Parse(string text, string displayName, YamlLimits? limits = null)
    {
        limits ??= YamlLimits.Default;
        if (text.Length > limits.MaxFileBytes) throw TooBig(displayName, limits);
        var stream = new YamlStream();
        try
        {
            stream.Load(new LimitedParser(new Parser(new StringReader(text)), displayName, limits));
        }
        catch (YamlException e)
        {
            var inner = e.InnerException is YamlException ie ? ie.Message : null;
            throw ConfigException.At(displayName, (int)e.Start.Line, (int)e.Start.Column, "", $"invalid YAML: {FirstLine(e.Message)}{(inner is null ? "" : " (" + FirstLine(inner) + ")")}");
        }
        if (stream.Documents.Count == 0)
            throw ConfigException.At(displayName, 1, 1, "", "the file is empty; expected a YAML mapping");
        return stream.Documents[0].RootNode;
    }

    /// <summary>Reads at most the limit (plus one byte to notice more), so a huge or endless file is never read whole.</summary>
    private static string ReadBounded(string path, string shown, YamlLimits limits)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (file.CanSeek && file.Length > limits.MaxFileBytes) throw TooBig(shown, limits);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = file.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limits.MaxFileBytes) throw TooBig(shown, limits);
        }
        buffer.Position = 0;
        using var reader = new StreamReader(buffer, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static ConfigException TooBig(string shown, YamlLimits limits) =>
        new([new ConfigIssue(IssueSeverity.Error, shown, 0, 0, "", string.Create(CultureInfo.InvariantCulture,
            $"the file is larger than {limits.MaxFileBytes} bytes ({limits.MaxFileBytes / (1024.0 * 1024):0.#} MiB), the limit for a config file: split it"))]);

    private static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        var line = i < 0 ? s : s[..i];
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: ..) - (Line: ...): "; the location is printed separately.
        var dash = line.LastIndexOf("): ", StringComparison.Ordinal);
        return dash >= 0 ? line[(dash + 3)..] : line;
    }
}
