namespace Dativo.Lake.Iceberg.Manifests;

public enum FileContent { Data = 0, PositionDeletes = 1, EqualityDeletes = 2 }

public enum ManifestContent { Data = 0, Deletes = 1 }

public enum EntryStatus { Existing = 0, Added = 1, Deleted = 2 }

/// <summary>The spec's <c>data_file</c> struct: a data or delete file with its partition tuple and column metrics.</summary>
public sealed record DataFile
{
    public FileContent Content { get; init; }
    public required string FilePath { get; init; }
    public string FileFormat { get; init; } = "parquet";
    /// <summary>Partition spec id (from the manifest the file is listed in).</summary>
    public int SpecId { get; init; }
    /// <summary>Partition tuple in spec field order, values in <see cref="Types.Conversions"/> representation.</summary>
    public IReadOnlyList<object?> Partition { get; init; } = [];
    public long RecordCount { get; init; }
    public long FileSizeInBytes { get; init; }
    public IReadOnlyDictionary<int, long>? ColumnSizes { get; init; }
    public IReadOnlyDictionary<int, long>? ValueCounts { get; init; }
    public IReadOnlyDictionary<int, long>? NullValueCounts { get; init; }
    public IReadOnlyDictionary<int, long>? NanValueCounts { get; init; }
    public IReadOnlyDictionary<int, byte[]>? LowerBounds { get; init; }
    public IReadOnlyDictionary<int, byte[]>? UpperBounds { get; init; }
    public byte[]? KeyMetadata { get; init; }
    public IReadOnlyList<long>? SplitOffsets { get; init; }
    public IReadOnlyList<int>? EqualityIds { get; init; }
    public int? SortOrderId { get; init; }
    public string? ReferencedDataFile { get; init; }
}

/// <summary>The spec's <c>manifest_entry</c>; sequence numbers are null for files added by a not-yet-committed snapshot.</summary>
public sealed record ManifestEntry(EntryStatus Status, long? SnapshotId, long? SequenceNumber, long? FileSequenceNumber, DataFile File)
{
    public bool IsLive => Status != EntryStatus.Deleted;
}

/// <summary>Partition field summary in a manifest list (<c>r508</c>).</summary>
public sealed record FieldSummary(bool ContainsNull, bool? ContainsNan, byte[]? LowerBound, byte[]? UpperBound);

/// <summary>The spec's <c>manifest_file</c> struct (one row of a manifest list).</summary>
public sealed record ManifestFile
{
    public required string ManifestPath { get; init; }
    public long ManifestLength { get; init; }
    public int PartitionSpecId { get; init; }
    public ManifestContent Content { get; init; }
    public long SequenceNumber { get; init; }
    public long MinSequenceNumber { get; init; }
    public long AddedSnapshotId { get; init; }
    public int AddedFilesCount { get; init; }
    public int ExistingFilesCount { get; init; }
    public int DeletedFilesCount { get; init; }
    public long AddedRowsCount { get; init; }
    public long ExistingRowsCount { get; init; }
    public long DeletedRowsCount { get; init; }
    public IReadOnlyList<FieldSummary>? Partitions { get; init; }
    public byte[]? KeyMetadata { get; init; }
}
