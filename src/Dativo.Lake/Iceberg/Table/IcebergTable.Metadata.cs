using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>Snapshot as shown by <c>dativo table history</c>.</summary>
public sealed record SnapshotInfo(long SnapshotId, long? ParentId, long SequenceNumber, DateTimeOffset Timestamp, string Operation,
    IReadOnlyDictionary<string, string> Summary, bool IsCurrentAncestor, string ManifestList);

/// <summary>Everything <c>dativo table show</c> prints.</summary>
public sealed record TableDescription(string Name, string Location, string MetadataLocation, int FormatVersion, string TableUuid,
    IcebergSchema Schema, PartitionSpec Spec, SortOrder SortOrder, IReadOnlyDictionary<string, string> Properties,
    SnapshotInfo? CurrentSnapshot, IReadOnlyList<SnapshotInfo> History, DateTimeOffset LastUpdated);

public sealed partial class IcebergTable
{
    /// <summary>Schema, spec, properties, current snapshot and history (newest first), after a refresh.</summary>
    public async Task<TableDescription> DescribeAsync(CancellationToken ct = default)
    {
        await RefreshAsync(ct);
        var m = Metadata;
        var ancestors = m.Ancestors().Select(s => s.SnapshotId).ToHashSet();
        SnapshotInfo Info(Snapshot s) => new(s.SnapshotId, s.ParentSnapshotId, s.SequenceNumber, DateTimeOffset.FromUnixTimeMilliseconds(s.TimestampMs),
            s.Operation, s.Summary, ancestors.Contains(s.SnapshotId), s.ManifestList);
        var history = m.Snapshots.OrderByDescending(s => s.TimestampMs).ThenByDescending(s => s.SequenceNumber).Select(Info).ToList();
        return new TableDescription(Name, m.Location, MetadataLocation, m.FormatVersion, m.TableUuid, m.CurrentSchema, m.DefaultSpec,
            m.DefaultSortOrder, m.Properties, m.CurrentSnapshot is { } c ? Info(c) : null, history, DateTimeOffset.FromUnixTimeMilliseconds(m.LastUpdatedMs));
    }

    /// <summary>Sets and removes table properties.</summary>
    public Task<CommitResult> SetPropertiesAsync(IReadOnlyDictionary<string, string>? set, IEnumerable<string>? remove = null, CancellationToken ct = default)
    {
        var removeList = remove?.ToList() ?? [];
        if (set is not null && removeList.Any(set.ContainsKey))
            throw new DativoException("a property cannot be set and removed in the same change");
        return CommitMetadataAsync("set-properties", m =>
        {
            var p = new Dictionary<string, string>(m.Properties);
            foreach (var (k, v) in set ?? new Dictionary<string, string>()) p[k] = v;
            foreach (var k in removeList) p.Remove(k);
            return m with { Properties = p };
        }, ct);
    }

    /// <summary>Evolves the schema; refused changes (narrowing, required without default, …) throw <see cref="DativoException"/>.</summary>
    public async Task<CommitResult> UpdateSchemaAsync(Action<SchemaUpdate> change, CancellationToken ct = default)
    {
        var update = new SchemaUpdate();
        change(update);
        update.Apply(Metadata); // validate before touching the store
        return await CommitMetadataAsync("update-schema", update.Apply, ct);
    }
}
