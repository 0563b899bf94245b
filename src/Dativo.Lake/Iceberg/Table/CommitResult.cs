namespace Dativo.Lake.Iceberg.Table;

/// <summary>What a commit did: the new snapshot (null for metadata-only changes) and the counts of its summary.</summary>
public sealed record CommitResult(
    long? SnapshotId,
    string Operation,
    string MetadataLocation,
    int AddedDataFiles,
    long AddedRecords,
    int RemovedDataFiles,
    long RemovedRecords,
    int AddedDeleteFiles,
    int Attempts)
{
    public IReadOnlyDictionary<string, string> Summary { get; init; } = new Dictionary<string, string>();
}
