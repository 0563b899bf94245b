using System.Globalization;
using Avro;
using Avro.File;
using Avro.Generic;

namespace Dativo.Lake.Iceberg.Manifests;

/// <summary>Reads and writes manifest lists (<c>snap-*.avro</c>).</summary>
internal static class ManifestListFile
{
    public static byte[] Write(long snapshotId, long? parentSnapshotId, long sequenceNumber, IEnumerable<ManifestFile> manifests)
    {
        var schemaJson = ManifestAvroSchemas.ManifestFile();
        var schema = (RecordSchema)Schema.Parse(schemaJson);
        var partsSchema = (ArraySchema)AvroValues.NonNull(schema["partitions"].Schema);
        var summarySchema = (RecordSchema)partsSchema.ItemSchema;
        using var ms = new MemoryStream();
        using (var writer = DataFileWriter<GenericRecord>.OpenWriter(new GenericDatumWriter<GenericRecord>(schema), ms, Codec.CreateCodec(Codec.Type.Deflate), leaveOpen: true))
        {
            writer.SetMeta("snapshot-id", snapshotId.ToString(CultureInfo.InvariantCulture));
            writer.SetMeta("parent-snapshot-id", parentSnapshotId?.ToString(CultureInfo.InvariantCulture) ?? "null");
            writer.SetMeta("sequence-number", sequenceNumber.ToString(CultureInfo.InvariantCulture));
            writer.SetMeta("format-version", "2");
            foreach (var m in manifests)
            {
                var r = new GenericRecord(schema);
                r.Add("manifest_path", m.ManifestPath);
                r.Add("manifest_length", m.ManifestLength);
                r.Add("partition_spec_id", m.PartitionSpecId);
                r.Add("content", (int)m.Content);
                r.Add("sequence_number", m.SequenceNumber);
                r.Add("min_sequence_number", m.MinSequenceNumber);
                r.Add("added_snapshot_id", m.AddedSnapshotId);
                r.Add("added_files_count", m.AddedFilesCount);
                r.Add("existing_files_count", m.ExistingFilesCount);
                r.Add("deleted_files_count", m.DeletedFilesCount);
                r.Add("added_rows_count", m.AddedRowsCount);
                r.Add("existing_rows_count", m.ExistingRowsCount);
                r.Add("deleted_rows_count", m.DeletedRowsCount);
                r.Add("partitions", m.Partitions?.Select(p =>
                {
                    var s = new GenericRecord(summarySchema);
                    s.Add("contains_null", p.ContainsNull);
                    s.Add("contains_nan", p.ContainsNan);
                    s.Add("lower_bound", p.LowerBound);
                    s.Add("upper_bound", p.UpperBound);
                    return (object)s;
                }).ToArray());
                r.Add("key_metadata", m.KeyMetadata);
                writer.Append(r);
            }
        }
        return AvroHeader.ReplaceSchema(ms.ToArray(), schemaJson);
    }

    public static IReadOnlyList<ManifestFile> Read(Stream avro)
    {
        using var reader = DataFileReader<GenericRecord>.OpenReader(avro, leaveOpen: true);
        var ids = AvroValues.FieldIds((RecordSchema)reader.GetSchema());
        var list = new List<ManifestFile>();
        while (reader.HasNext())
        {
            var r = reader.Next();
            object? G(int id, string name) => AvroValues.Get(r, ids, id, name);
            var parts = (G(507, "partitions") as object[])?.Cast<GenericRecord>().Select(p =>
            {
                var pids = AvroValues.FieldIds(p.Schema);
                return new FieldSummary(
                    (bool)AvroValues.Get(p, pids, 509, "contains_null")!,
                    (bool?)AvroValues.Get(p, pids, 518, "contains_nan"),
                    AvroValues.Get(p, pids, 510, "lower_bound") as byte[],
                    AvroValues.Get(p, pids, 511, "upper_bound") as byte[]);
            }).ToList();
            list.Add(new ManifestFile
            {
                ManifestPath = (string)G(500, "manifest_path")!,
                ManifestLength = (long)G(501, "manifest_length")!,
                PartitionSpecId = (int)G(502, "partition_spec_id")!,
                Content = (ManifestContent)((int?)G(517, "content") ?? 0),
                SequenceNumber = (long?)G(515, "sequence_number") ?? 0,
                MinSequenceNumber = (long?)G(516, "min_sequence_number") ?? 0,
                AddedSnapshotId = (long)G(503, "added_snapshot_id")!,
                AddedFilesCount = (int?)G(504, "added_files_count") ?? 0,
                ExistingFilesCount = (int?)G(505, "existing_files_count") ?? 0,
                DeletedFilesCount = (int?)G(506, "deleted_files_count") ?? 0,
                AddedRowsCount = (long?)G(512, "added_rows_count") ?? 0,
                ExistingRowsCount = (long?)G(513, "existing_rows_count") ?? 0,
                DeletedRowsCount = (long?)G(514, "deleted_rows_count") ?? 0,
                Partitions = parts,
                KeyMetadata = G(519, "key_metadata") as byte[],
            });
        }
        return list;
    }
}
