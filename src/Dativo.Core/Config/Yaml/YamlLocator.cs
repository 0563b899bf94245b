using YamlDotNet.RepresentationModel;

namespace Dativo.Core.Config.Yaml;

/// <summary>Finds the line/column of a key path (<c>a.b[0].c</c>) in a YAML tree, for messages about values.</summary>
public static class YamlLocator
{
    public static (int Line, int Column) Find(YamlNode root, string keyPath)
    {
        YamlNode node = root;
        foreach (var part in keyPath.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part;
            int? index = null;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = part[..bracket];
                index = int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            }
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(name), out var child))
                break;
            node = child;
            if (index is { } i && node is YamlSequenceNode seq && i < seq.Children.Count) node = seq.Children[i];
        }
        return ((int)node.Start.Line, (int)node.Start.Column);
    }
}
