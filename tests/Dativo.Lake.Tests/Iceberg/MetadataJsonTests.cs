using System.Text.Json.Nodes;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Transforms;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Tests.Iceberg;

public class MetadataJsonTests
{
    internal static IcebergSchema SampleSchema() => new(0,
    [
        NestedField.Require(1, "id", IcebergType.Long),
        NestedField.Optional(2, "name", IcebergType.String),
        NestedField.Optional(3, "price", IcebergType.Decimal(10, 2)),
        NestedField.Optional(4, "ts", IcebergType.TimestampTz),
        NestedField.Optional(5, "tags", new ListType(6, IcebergType.String, false)),
        NestedField.Optional(7, "attrs", new MapType(8, IcebergType.String, 9, IcebergType.Int, true)),
        NestedField.Optional(10, "point", new StructType([NestedField.Require(11, "x", IcebergType.Double), NestedField.Require(12, "y", IcebergType.Double)])),
        NestedField.Optional(13, "u", IcebergType.Uuid),
        NestedField.Optional(14, "f", IcebergType.Fixed(16)),
        NestedField.Optional(15, "d", IcebergType.Date),
        NestedField.Optional(16, "t", IcebergType.Time),
        NestedField.Optional(17, "b", IcebergType.Binary),
        NestedField.Optional(18, "ok", IcebergType.Boolean),
        NestedField.Optional(19, "fl", IcebergType.Float),
        NestedField.Optional(20, "i", IcebergType.Int),
        NestedField.Optional(21, "lts", IcebergType.Timestamp),
    ]);

    [Fact]
    public void Schema_json_uses_spec_field_names_and_type_strings()
    {
        var json = TypeJson.SchemaToJson(SampleSchema());
        Assert.Equal("struct", json["type"]!.GetValue<string>());
        Assert.Equal(0, json["schema-id"]!.GetValue<int>());
        var fields = json["fields"]!.AsArray();
        Assert.Equal("decimal(10, 2)", fields[2]!["type"]!.GetValue<string>());
        Assert.Equal("timestamptz", fields[3]!["type"]!.GetValue<string>());
        Assert.Equal(6, fields[4]!["type"]!["element-id"]!.GetValue<int>());
        Assert.False(fields[4]!["type"]!["element-required"]!.GetValue<bool>());
        Assert.Equal(9, fields[5]!["type"]!["value-id"]!.GetValue<int>());
        Assert.Equal("fixed[16]", fields[8]!["type"]!.GetValue<string>());
        var back = TypeJson.SchemaFromJson(JsonNode.Parse(json.ToJsonString())!);
        Assert.Equal(21, back.HighestFieldId);
        Assert.Equal("y", back.FindField(12)!.Name);
        Assert.Equal(IcebergType.Decimal(10, 2), back.FindField("price")!.Type);
        Assert.Equal(SampleSchema().Columns, back.Columns);
        Assert.Equal(IcebergType.Decimal(9, 2), TypeJson.ParsePrimitive("decimal(9,2)"));
    }

    [Fact]
    public void Table_metadata_round_trips_with_all_spec_fields()
    {
        var schema = SampleSchema();
        var spec = new PartitionSpecBuilder(schema).Day("ts").Bucket("id", 16).Truncate("name", 4).Identity("ok").Build();
        var m = TableMetadata.NewTable("file:///wh/ns/t", schema, spec, null, new Dictionary<string, string> { ["a"] = "b" }, 1000);
        var snap = new Snapshot(42, null, 1, 2000, "file:///wh/ns/t/metadata/snap-42-1-x.avro",
            new Dictionary<string, string> { ["operation"] = "append", ["added-data-files"] = "1", ["total-records"] = "10" }, 0);
        m = m with
        {
            Snapshots = [snap], CurrentSnapshotId = 42, LastSequenceNumber = 1,
            Refs = new Dictionary<string, SnapshotRef> { ["main"] = new(42, SnapshotRef.Branch) },
            SnapshotLog = [new SnapshotLogEntry(2000, 42)],
            MetadataLog = [new MetadataLogEntry(1000, "file:///wh/ns/t/metadata/v1.metadata.json")],
        };
        var json = TableMetadataJson.ToJson(m);
        var o = JsonNode.Parse(json)!.AsObject();
        foreach (var key in new[] { "format-version", "table-uuid", "location", "last-sequence-number", "last-updated-ms", "last-column-id",
                     "schemas", "current-schema-id", "partition-specs", "default-spec-id", "last-partition-id", "properties",
                     "current-snapshot-id", "snapshots", "snapshot-log", "metadata-log", "sort-orders", "default-sort-order-id", "refs" })
            Assert.True(o.ContainsKey(key), key);
        Assert.Equal(2, o["format-version"]!.GetValue<int>());
        Assert.Equal(1003, o["last-partition-id"]!.GetValue<int>());
        Assert.Equal("bucket[16]", o["partition-specs"]![0]!["fields"]![1]!["transform"]!.GetValue<string>());
        Assert.Equal(1001, o["partition-specs"]![0]!["fields"]![1]!["field-id"]!.GetValue<int>());
        Assert.Equal("branch", o["refs"]!["main"]!["type"]!.GetValue<string>());
        Assert.Equal(1, o["snapshots"]![0]!["sequence-number"]!.GetValue<long>());
        var back = TableMetadataJson.Parse(json);
        Assert.Equal(m.TableUuid, back.TableUuid);
        Assert.Equal(spec.Fields, back.DefaultSpec.Fields);
        Assert.Equal(42, back.CurrentSnapshot!.SnapshotId);
        Assert.Equal("10", back.CurrentSnapshot.Summary["total-records"]);
        Assert.Equal(TableMetadataJson.ToJson(back), json);
    }

    [Theory]
    [InlineData("s3://b/t/metadata/v12.metadata.json", 12)]
    [InlineData("s3://b/t/metadata/00012-eedf51e6-8c09-463b-8850-844ee6ec1de0.metadata.json", 12)]
    [InlineData("s3://b/t/metadata/v3.gz.metadata.json", 3)]
    public void Version_is_parsed_from_both_naming_schemes(string location, int version) =>
        Assert.Equal(version, TableMetadataJson.VersionOf(location));

    [Theory]
    [InlineData("spark/rename_column/metadata/v3.metadata.json")]
    [InlineData("spark/bunnies/metadata/v5.metadata.json")]
    [InlineData("java/bunnies/metadata/v5.metadata.json")]
    [InlineData("athena/example/metadata/00001-aaf0d033-d06b-43c7-be60-67f83abd4aca.metadata.json")]
    public void Reads_metadata_written_by_other_engines(string file)
    {
        var path = Interop.Path_(file);
        var m = TableMetadataJson.Parse(File.ReadAllBytes(path));
        Assert.Equal(2, m.FormatVersion);
        Assert.NotNull(m.CurrentSnapshot);
        Assert.Equal(m.CurrentSnapshotId, m.Refs["main"].SnapshotId);
        var reparsed = TableMetadataJson.Parse(TableMetadataJson.ToJson(m));
        Assert.Equal(m.Snapshots.Count, reparsed.Snapshots.Count);
        Assert.Equal(m.CurrentSchema.Columns, reparsed.CurrentSchema.Columns);
    }

    [Fact]
    public void Rename_column_fixture_has_bucket_and_identity_spec()
    {
        var path = Interop.Path_("spark/rename_column/metadata/v3.metadata.json");
        var m = TableMetadataJson.Parse(File.ReadAllBytes(path));
        Assert.Equal(Transform.Bucket(4), m.Spec(0).Fields[0].Transform);
        Assert.Equal("event_date", m.CurrentSchema.FindField(3)!.Name);
    }
}
