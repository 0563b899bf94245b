using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dativo.Core.Config.Yaml;

/// <summary>Reads a YAML file into a node tree that remembers line and column of every node.</summary>
public static class YamlFile
{
    public static YamlNode Load(string path, string? displayName = null)
    {
        var shown = displayName ?? path;
        if (!File.Exists(path))
            throw new Errors.DativoException($"{shown}: file not found");
        return Parse(File.ReadAllText(path), shown);
    }

    public static YamlNode Parse(string text, string displayName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
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

    private static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        var line = i < 0 ? s : s[..i];
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: ..) - (Line: ...): "; the location is printed separately.
        var dash = line.LastIndexOf("): ", StringComparison.Ordinal);
        return dash >= 0 ? line[(dash + 3)..] : line;
    }
}
