using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Dativo.Core.Config.Yaml;

/// <summary>
/// Passes parser events through while enforcing <see cref="YamlLimits"/> and the one-document rule. Each node's
/// expanded size is known when it closes, so an alias adds the size of what it repeats without expanding anything.
/// </summary>
internal sealed class LimitedParser(IParser inner, string file, YamlLimits limits) : IParser
{
    // anchor → expanded size; null while the anchored collection is still open (an alias to it would be a cycle)
    private readonly Dictionary<string, long?> _anchors = new(StringComparer.Ordinal);
    private readonly Stack<(string? Anchor, long NodesAtStart)> _open = new();
    private long _nodes;
    private int _aliases;
    private int _documents;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        if (!inner.MoveNext()) return false;
        Check(inner.Current!);
        return true;
    }

    private void Check(ParsingEvent e)
    {
        switch (e)
        {
            case DocumentStart when ++_documents > 1:
                throw Refuse(e, "a second YAML document starts here; a config file holds exactly one document: " +
                    "remove this '---' and what follows, or move it to a file of its own");
            case AnchorAlias alias:
                if (++_aliases > limits.MaxAliases)
                    throw Refuse(e, $"more than {limits.MaxAliases} aliases (*name); config files are limited to {limits.MaxAliases}: write the values out");
                var name = alias.Value.Value;
                if (_anchors.TryGetValue(name, out var size) && size is null)
                    throw Refuse(e, $"alias *{name} is inside the node &{name} it repeats (a cycle); a config value cannot contain itself");
                Count(e, size ?? 1, $" through alias *{name}");
                break;
            case Scalar s:
                Count(e, 1, "");
                if (!s.Anchor.IsEmpty) _anchors[s.Anchor.Value] = 1;
                break;
            case NodeEvent start and (MappingStart or SequenceStart):
                if (_open.Count >= limits.MaxDepth)
                    throw Refuse(e, $"mappings and lists are nested more than {limits.MaxDepth} levels deep; config files are limited to {limits.MaxDepth}");
                var anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                if (anchor is not null) _anchors[anchor] = null;
                _open.Push((anchor, _nodes));
                Count(e, 1, "");
                break;
            case MappingEnd or SequenceEnd:
                var (opened, atStart) = _open.Pop();
                if (opened is not null && _anchors.TryGetValue(opened, out var pending) && pending is null) _anchors[opened] = _nodes - atStart;
                break;
        }
    }

    private void Count(ParsingEvent e, long nodes, string how)
    {
        _nodes += nodes;
        if (_nodes > limits.MaxNodes)
            throw Refuse(e, $"the file holds more than {limits.MaxNodes} YAML nodes{how} (aliases count as the nodes they repeat); " +
                $"config files are limited to {limits.MaxNodes}: write fewer values or split the file");
    }

    private ConfigException Refuse(ParsingEvent e, string message) =>
        ConfigException.At(file, (int)e.Start.Line, (int)e.Start.Column, "", message);
}
