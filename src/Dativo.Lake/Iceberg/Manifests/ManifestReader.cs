using Avro;
using Avro.File;
using Avro.Generic;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Manifests;

/// <summary>Reads manifests (v1 or v2) by field id; inherits snapshot id and sequence numbers from the manifest list.</summary>
internal static class ManifestReader
{
    public sealed record Result(IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<ManifestEntry> Entries);

    public static Result Read(Stream avro, TableMetadata table, ManifestFile? manifest)
    {
        using var readable = ForApacheAvro(avro);
        using var reader = DataFileReader<GenericRecord>.OpenReader(readable, leaveOpen: true);
        var meta = reader.GetMetaKeys().ToDictionary(k => k, k => reader.GetMetaString(k));
        var specId = manifest?.PartitionSpecId ?? (meta.TryGetValue("partition-spec-id", out var s) ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 0);
        var spec = table.PartitionSpecs.FirstOrDefault(p => p.SpecId == specId)
            ?? (meta.TryGetValue("partition-spec", out var ps) ? TableMetadataJson.SpecFromJson(specId, System.Text.Json.Nodes.JsonNode.Parse(ps)!.AsArray()) : PartitionSpec.Unpartitioned);
        var schema = meta.TryGetValue("schema", out var sj) ? TypeJson.SchemaFromJson(System.Text.Json.Nodes.JsonNode.Parse(sj)!) : table.CurrentSchema;
        var partTypes = spec.Fields.Select(f => schema.FindField(f.SourceId)?.Type is PrimitiveType pt ? f.Transform.ResultType(pt)
            : table.CurrentSchema.FindField(f.SourceId)?.Type is PrimitiveType ct ? f.Transform.ResultType(ct) : IcebergType.Int).ToList();

        var entrySchema = (RecordSchema)reader.GetSchema();
        var entryIds = AvroValues.FieldIds(entrySchema);
        var dfSchema = (RecordSchema)AvroValues.NonNull(entrySchema[entryIds.GetValueOrDefault(2, "data_file")].Schema);
        var dfIds = AvroValues.FieldIds(dfSchema);
        var partSchema = (RecordSchema)dfSchema[dfIds.GetValueOrDefault(102, "partition")].Schema;
        var partIds = AvroValues.FieldIds(partSchema);

        var entries = new List<ManifestEntry>();
        while (reader.HasNext())
        {
            var r = reader.Next();
            var status = (EntryStatus)(int)r[entryIds.GetValueOrDefault(0, "status")];
            var snapshotId = (long?)AvroValues.Get(r, entryIds, 1, "snapshot_id");
            var seq = (long?)AvroValues.Get(r, entryIds, 3, "sequence_number");
            var fileSeq = (long?)AvroValues.Get(r, entryIds, 4, "file_sequence_number");
            var df = (GenericRecord)r[entryIds.GetValueOrDefault(2, "data_file")];
            var partRec = (GenericRecord?)AvroValues.Get(df, dfIds, 102, "partition");
            var partition = new object?[spec.Fields.Count];
            for (var i = 0; i < spec.Fields.Count; i++)
            {
                if (partRec is null) continue;
                var name = partIds.GetValueOrDefault(spec.Fields[i].FieldId) ?? (i < partSchema.Fields.Count ? partSchema.Fields[i].Name : null);
                if (name is not null && partRec.TryGetValue(name, out var pv)) partition[i] = AvroValues.FromAvro(partTypes[i], pv);
            }
            var file = new DataFile
            {
                Content = (FileContent)((int?)AvroValues.Get(df, dfIds, 134, "content") ?? 0),
                FilePath = (string)AvroValues.Get(df, dfIds, 100, "file_path")!,
                FileFormat = ((string)AvroValues.Get(df, dfIds, 101, "file_format")!).ToLowerInvariant(),
                SpecId = specId,
                Partition = partition,
                RecordCount = (long)AvroValues.Get(df, dfIds, 103, "record_count")!,
                FileSizeInBytes = (long)AvroValues.Get(df, dfIds, 104, "file_size_in_bytes")!,
                ColumnSizes = AvroValues.LongMap(AvroValues.Get(df, dfIds, 108, "column_sizes")),
                ValueCounts = AvroValues.LongMap(AvroValues.Get(df, dfIds, 109, "value_counts")),
                NullValueCounts = AvroValues.LongMap(AvroValues.Get(df, dfIds, 110, "null_value_counts")),
                NanValueCounts = AvroValues.LongMap(AvroValues.Get(df, dfIds, 137, "nan_value_counts")),
                LowerBounds = AvroValues.BytesMap(AvroValues.Get(df, dfIds, 125, "lower_bounds")),
                UpperBounds = AvroValues.BytesMap(AvroValues.Get(df, dfIds, 128, "upper_bounds")),
                KeyMetadata = AvroValues.Get(df, dfIds, 131, "key_metadata") as byte[],
                SplitOffsets = (AvroValues.Get(df, dfIds, 132, "split_offsets") as object[])?.Select(x => (long)x).ToList(),
                EqualityIds = (AvroValues.Get(df, dfIds, 135, "equality_ids") as object[])?.Select(x => (int)x).ToList(),
                SortOrderId = (int?)AvroValues.Get(df, dfIds, 140, "sort_order_id"),
                ReferencedDataFile = AvroValues.Get(df, dfIds, 143, "referenced_data_file") as string,
            };
            if (manifest is not null)
            {
                // spec "Sequence Number Inheritance": null values of ADDED entries come from the manifest list
                snapshotId ??= manifest.AddedSnapshotId;
                if (status == EntryStatus.Added)
                {
                    seq ??= manifest.SequenceNumber;
                    fileSeq ??= manifest.SequenceNumber;
                }
            }
            entries.Add(new ManifestEntry(status, snapshotId, seq ?? 0, fileSeq ?? 0, file));
        }
        return new Result(meta, entries);
    }

    /// <summary>The manifest with a header schema Apache.Avro parses (uuid partition fields as Java and we write them).</summary>
    private static MemoryStream ForApacheAvro(Stream avro)
    {
        var ms = new MemoryStream();
        avro.CopyTo(ms);
        var bytes = ms.ToArray();
        var schema = AvroHeader.Schema(bytes);
        var readable = ManifestAvroSchemas.ForApacheAvro(schema);
        return ReferenceEquals(readable, schema) ? new MemoryStream(bytes, writable: false) : new MemoryStream(AvroHeader.ReplaceSchema(bytes, readable), writable: false);
    }
}
