namespace Dativo.Core.Config.Yaml;

/// <summary>
/// Bounds on a config file, checked while it is parsed so a hostile or broken file (an alias bomb, a deeply nested
/// flow, a huge file) is refused before it costs memory. Nodes are counted as if every alias were written out.
/// </summary>
public sealed record YamlLimits
{
    public static readonly YamlLimits Default = new();

    public long MaxFileBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Scalars, mappings and sequences after alias expansion (an alias counts as the whole node it repeats).</summary>
    public long MaxNodes { get; init; } = 200_000;

    public int MaxAliases { get; init; } = 1_000;

    /// <summary>Mappings and sequences nested in each other.</summary>
    public int MaxDepth { get; init; } = 64;
}
