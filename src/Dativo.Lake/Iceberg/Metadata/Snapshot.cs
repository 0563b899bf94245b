namespace Dativo.Lake.Iceberg.Metadata;

/// <summary>A table snapshot (spec "Snapshots").</summary>
public sealed record Snapshot(
    long SnapshotId,
    long? ParentSnapshotId,
    long SequenceNumber,
    long TimestampMs,
    string ManifestList,
    IReadOnlyDictionary<string, string> Summary,
    int? SchemaId)
{
    public string Operation => Summary.GetValueOrDefault("operation", "append");
}

public sealed record SnapshotLogEntry(long TimestampMs, long SnapshotId);

public sealed record MetadataLogEntry(long TimestampMs, string MetadataFile);

/// <summary>A branch or tag (spec "Snapshot References").</summary>
public sealed record SnapshotRef(long SnapshotId, string Type, int? MinSnapshotsToKeep = null, long? MaxSnapshotAgeMs = null, long? MaxRefAgeMs = null)
{
    public const string Branch = "branch";
    public const string Tag = "tag";
    public const string Main = "main";
}

/// <summary>Snapshot operations (summary <c>operation</c>).</summary>
public static class Operations
{
    public const string Append = "append";
    public const string Replace = "replace";
    public const string Overwrite = "overwrite";
    public const string Delete = "delete";
}
