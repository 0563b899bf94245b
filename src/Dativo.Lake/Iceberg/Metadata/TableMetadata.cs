using System.Text.Json.Nodes;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Metadata;

/// <summary>Table metadata, format version 2 (spec "Table Metadata"). Immutable; operations produce new instances.</summary>
public sealed record TableMetadata
{
    public int FormatVersion { get; init; } = 2;
    public required string TableUuid { get; init; }
    public required string Location { get; init; }
    public long LastSequenceNumber { get; init; }
    public long LastUpdatedMs { get; init; }
    public int LastColumnId { get; init; }
    public required IReadOnlyList<IcebergSchema> Schemas { get; init; }
    public int CurrentSchemaId { get; init; }
    public required IReadOnlyList<PartitionSpec> PartitionSpecs { get; init; }
    public int DefaultSpecId { get; init; }
    public int LastPartitionId { get; init; }
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();
    public long? CurrentSnapshotId { get; init; }
    public IReadOnlyList<Snapshot> Snapshots { get; init; } = [];
    public IReadOnlyList<SnapshotLogEntry> SnapshotLog { get; init; } = [];
    public IReadOnlyList<MetadataLogEntry> MetadataLog { get; init; } = [];
    public required IReadOnlyList<SortOrder> SortOrders { get; init; }
    public int DefaultSortOrderId { get; init; }
    public IReadOnlyDictionary<string, SnapshotRef> Refs { get; init; } = new Dictionary<string, SnapshotRef>();

    /// <summary>Fields this implementation does not model (statistics, partition-statistics, …), kept verbatim.</summary>
    public IReadOnlyDictionary<string, JsonNode> Extra { get; init; } = new Dictionary<string, JsonNode>();

    public IcebergSchema CurrentSchema => Schema(CurrentSchemaId);

    public IcebergSchema Schema(int id) => Schemas.FirstOrDefault(s => s.SchemaId == id)
        ?? throw new InvalidDataException($"table metadata has no schema {id}");

    public PartitionSpec DefaultSpec => Spec(DefaultSpecId);

    public PartitionSpec Spec(int id) => PartitionSpecs.FirstOrDefault(s => s.SpecId == id)
        ?? throw new InvalidDataException($"table metadata has no partition spec {id}");

    public SortOrder DefaultSortOrder => SortOrders.FirstOrDefault(s => s.OrderId == DefaultSortOrderId) ?? SortOrder.Unsorted;

    public Snapshot? CurrentSnapshot => CurrentSnapshotId is { } id ? SnapshotById(id) : null;

    public Snapshot? SnapshotById(long id) => Snapshots.FirstOrDefault(s => s.SnapshotId == id);

    public string Property(string key, string fallback) => Properties.GetValueOrDefault(key, fallback);

    public long PropertyLong(string key, long fallback) =>
        Properties.TryGetValue(key, out var v) && long.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var l) ? l : fallback;

    /// <summary>Snapshots from the current one back through its parents.</summary>
    public IEnumerable<Snapshot> Ancestors()
    {
        var s = CurrentSnapshot;
        while (s is not null)
        {
            yield return s;
            s = s.ParentSnapshotId is { } p ? SnapshotById(p) : null;
        }
    }

    /// <summary>Metadata for a new, empty table.</summary>
    public static TableMetadata NewTable(string location, IcebergSchema schema, PartitionSpec spec, SortOrder? sortOrder,
        IReadOnlyDictionary<string, string>? properties, long nowMs)
    {
        var s = schema.WithId(0);
        var p = spec with { SpecId = 0 };
        var order = sortOrder ?? SortOrder.Unsorted;
        return new TableMetadata
        {
            TableUuid = Guid.NewGuid().ToString(),
            Location = location.TrimEnd('/'),
            LastUpdatedMs = nowMs,
            LastColumnId = s.HighestFieldId,
            Schemas = [s],
            CurrentSchemaId = 0,
            PartitionSpecs = [p],
            DefaultSpecId = 0,
            LastPartitionId = p.Fields.Count == 0 ? PartitionSpec.FirstFieldId - 1 : p.Fields.Max(f => f.FieldId),
            SortOrders = order.OrderId == 0 ? [SortOrder.Unsorted] : [SortOrder.Unsorted, order],
            DefaultSortOrderId = order.OrderId,
            Properties = properties ?? new Dictionary<string, string>(),
        };
    }
}
