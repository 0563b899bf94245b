using System.Globalization;
using Avro;
using Avro.File;
using Avro.Generic;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Manifests;

/// <summary>Writes a v2 manifest (Avro, deflate) with the spec's key-value metadata.</summary>
internal static class ManifestWriter
{
    public static byte[] Write(IcebergSchema schema, PartitionSpec spec, ManifestContent content, IEnumerable<ManifestEntry> entries)
    {
        var partitionType = spec.PartitionType(schema);
        var schemaJson = ManifestAvroSchemas.ManifestEntry(partitionType);
        var avroSchema = (RecordSchema)Schema.Parse(ManifestAvroSchemas.ForApacheAvro(schemaJson));
        var dataFileSchema = (RecordSchema)avroSchema.Fields.First(f => f.Name == "data_file").Schema;
        var partSchema = (RecordSchema)dataFileSchema.Fields.First(f => f.Name == "partition").Schema;
        var fieldSchemas = dataFileSchema.Fields.ToDictionary(f => f.Name, f => f.Schema);

        using var ms = new MemoryStream();
        using (var writer = DataFileWriter<GenericRecord>.OpenWriter(new GenericDatumWriter<GenericRecord>(avroSchema), ms, Codec.CreateCodec(Codec.Type.Deflate), leaveOpen: true))
        {
            writer.SetMeta("schema", TypeJson.SchemaToJson(schema).ToJsonString());
            writer.SetMeta("schema-id", schema.SchemaId.ToString(CultureInfo.InvariantCulture));
            writer.SetMeta("partition-spec", TableMetadataJson.SpecFieldsToJson(spec).ToJsonString());
            writer.SetMeta("partition-spec-id", spec.SpecId.ToString(CultureInfo.InvariantCulture));
            writer.SetMeta("format-version", "2");
            writer.SetMeta("content", content == ManifestContent.Data ? "data" : "deletes");
            foreach (var e in entries)
            {
                var f = e.File;
                var part = new GenericRecord(partSchema);
                for (var i = 0; i < partitionType.Fields.Count; i++)
                {
                    var pf = partSchema.Fields[i];
                    part.Add(pf.Name, AvroValues.ToAvro((PrimitiveType)partitionType.Fields[i].Type, i < f.Partition.Count ? f.Partition[i] : null, pf.Schema));
                }
                var df = new GenericRecord(dataFileSchema);
                df.Add("content", (int)f.Content);
                df.Add("file_path", f.FilePath);
                df.Add("file_format", f.FileFormat.ToUpperInvariant());
                df.Add("partition", part);
                df.Add("record_count", f.RecordCount);
                df.Add("file_size_in_bytes", f.FileSizeInBytes);
                df.Add("column_sizes", AvroValues.ToAvroMap(f.ColumnSizes, fieldSchemas["column_sizes"]));
                df.Add("value_counts", AvroValues.ToAvroMap(f.ValueCounts, fieldSchemas["value_counts"]));
                df.Add("null_value_counts", AvroValues.ToAvroMap(f.NullValueCounts, fieldSchemas["null_value_counts"]));
                df.Add("nan_value_counts", AvroValues.ToAvroMap(f.NanValueCounts, fieldSchemas["nan_value_counts"]));
                df.Add("lower_bounds", AvroValues.ToAvroMap(f.LowerBounds, fieldSchemas["lower_bounds"]));
                df.Add("upper_bounds", AvroValues.ToAvroMap(f.UpperBounds, fieldSchemas["upper_bounds"]));
                df.Add("key_metadata", f.KeyMetadata);
                df.Add("split_offsets", f.SplitOffsets?.Select(x => (object)x).ToArray());
                df.Add("equality_ids", f.EqualityIds?.Select(x => (object)x).ToArray());
                df.Add("sort_order_id", f.SortOrderId);
                df.Add("referenced_data_file", f.ReferencedDataFile);
                var r = new GenericRecord(avroSchema);
                r.Add("status", (int)e.Status);
                r.Add("snapshot_id", e.SnapshotId);
                r.Add("sequence_number", e.SequenceNumber);
                r.Add("file_sequence_number", e.FileSequenceNumber);
                r.Add("data_file", df);
                writer.Append(r);
            }
        }
        return AvroHeader.ReplaceSchema(ms.ToArray(), schemaJson);
    }
}
