using Dativo.Lake.Iceberg.Metadata;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>How committed data files relate to the rows already in the table.</summary>
public enum FileCommitMode
{
    /// <summary>The files are added; nothing is removed.</summary>
    Append,

    /// <summary>The files replace every row of the table (an empty file list empties it).</summary>
    Overwrite,

    /// <summary>
    /// Dynamic partition overwrite: every partition that receives a file is replaced; other partitions are kept. An
    /// unpartitioned table is replaced whole when there is at least one file; an empty file list removes nothing.
    /// </summary>
    ReplacePartitions,
}

/// <summary>What else one commit of data files carries, all published in the same catalog swap as the files.</summary>
public sealed record FileCommit
{
    public FileCommitMode Mode { get; init; } = FileCommitMode.Append;

    /// <summary>Extra snapshot summary entries (keys the spec computes are refused).</summary>
    public IReadOnlyDictionary<string, string> Summary { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Table properties set by the commit. Unlike a snapshot summary they survive snapshot expiry and compaction, so a
    /// writer's progress marker kept here stays readable whatever maintenance runs on the table.
    /// </summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Evaluated on the table state each attempt is built on (a retry re-evaluates it on the newer state): returning a
    /// message refuses the commit with <see cref="CommitRefusedException"/>. Used for compare-and-set on a property.
    /// </summary>
    public Func<TableMetadata, string?>? Precondition { get; init; }
}
