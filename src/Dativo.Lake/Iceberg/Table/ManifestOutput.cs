using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>Writes manifests to the table's metadata folder and fills their manifest-list rows.</summary>
internal static class ManifestOutput
{
    public static async Task<ManifestFile> WriteAsync(TableIO io, string tableKey, TableMetadata table, PartitionSpec spec,
        ManifestContent content, IReadOnlyList<ManifestEntry> entries, long snapshotId, CancellationToken ct)
    {
        var key = $"{tableKey}/metadata/{Guid.NewGuid()}-m0.avro";
        var bytes = ManifestWriter.Write(table.CurrentSchema, spec, content, entries);
        await io.Store.PutAsync(key, new MemoryStream(bytes), ct);
        var partType = spec.PartitionType(table.CurrentSchema);
        var live = entries.Where(e => e.IsLive && e.SequenceNumber is not null).Select(e => e.SequenceNumber!.Value).ToList();
        return new ManifestFile
        {
            ManifestPath = io.UriOf(key),
            ManifestLength = bytes.Length,
            PartitionSpecId = spec.SpecId,
            Content = content,
            AddedSnapshotId = snapshotId,
            AddedFilesCount = entries.Count(e => e.Status == EntryStatus.Added),
            ExistingFilesCount = entries.Count(e => e.Status == EntryStatus.Existing),
            DeletedFilesCount = entries.Count(e => e.Status == EntryStatus.Deleted),
            AddedRowsCount = entries.Where(e => e.Status == EntryStatus.Added).Sum(e => e.File.RecordCount),
            ExistingRowsCount = entries.Where(e => e.Status == EntryStatus.Existing).Sum(e => e.File.RecordCount),
            DeletedRowsCount = entries.Where(e => e.Status == EntryStatus.Deleted).Sum(e => e.File.RecordCount),
            // sequence numbers of new entries are assigned when the manifest list is written
            MinSequenceNumber = live.Count == 0 ? -1 : live.Min(),
            Partitions = [.. partType.Fields.Select((f, i) => Summary((PrimitiveType)f.Type, entries.Where(e => e.IsLive).Select(e => e.File.Partition.ElementAtOrDefault(i))))],
        };
    }

    private static FieldSummary Summary(PrimitiveType type, IEnumerable<object?> values)
    {
        var containsNull = false;
        var containsNan = false;
        object? min = null, max = null;
        foreach (var v in values)
        {
            if (v is null) { containsNull = true; continue; }
            if (v is double d && double.IsNaN(d) || v is float f && float.IsNaN(f)) { containsNan = true; continue; }
            if (min is null || Conversions.Compare(v, min) < 0) min = v;
            if (max is null || Conversions.Compare(v, max) > 0) max = v;
        }
        return new FieldSummary(containsNull, type.Id is TypeId.Float or TypeId.Double ? containsNan : null,
            min is null ? null : Conversions.ToBytes(type, min), max is null ? null : Conversions.ToBytes(type, max));
    }
}
