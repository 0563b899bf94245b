using System.Text.Json.Nodes;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Manifests;

/// <summary>Avro schemas of manifests and manifest lists exactly as the spec lists them (field ids as <c>field-id</c>).</summary>
internal static class ManifestAvroSchemas
{
    public static string ManifestEntry(StructType partitionType) => new JsonObject
    {
        ["type"] = "record",
        ["name"] = "manifest_entry",
        ["fields"] = new JsonArray(
            Field("status", "int", 0),
            Optional("snapshot_id", "long", 1),
            Optional("sequence_number", "long", 3),
            Optional("file_sequence_number", "long", 4),
            Field("data_file", DataFileRecord(partitionType), 2)),
    }.ToJsonString();

    private static JsonObject DataFileRecord(StructType partitionType) => new()
    {
        ["type"] = "record",
        ["name"] = "r2",
        ["fields"] = new JsonArray(
            Field("content", "int", 134),
            Field("file_path", "string", 100),
            Field("file_format", "string", 101),
            Field("partition", PartitionRecord(partitionType), 102),
            Field("record_count", "long", 103),
            Field("file_size_in_bytes", "long", 104),
            Optional("column_sizes", IntMap(117, 118, "long"), 108),
            Optional("value_counts", IntMap(119, 120, "long"), 109),
            Optional("null_value_counts", IntMap(121, 122, "long"), 110),
            Optional("nan_value_counts", IntMap(138, 139, "long"), 137),
            Optional("lower_bounds", IntMap(126, 127, "bytes"), 125),
            Optional("upper_bounds", IntMap(129, 130, "bytes"), 128),
            Optional("key_metadata", "bytes", 131),
            Optional("split_offsets", new JsonObject { ["type"] = "array", ["items"] = "long", ["element-id"] = 133 }, 132),
            Optional("equality_ids", new JsonObject { ["type"] = "array", ["items"] = "int", ["element-id"] = 136 }, 135),
            Optional("sort_order_id", "int", 140),
            Optional("referenced_data_file", "string", 143)),
    };

    private static JsonObject PartitionRecord(StructType partitionType)
    {
        var fields = new JsonArray();
        foreach (var f in partitionType.Fields)
            fields.Add(Optional(CompatibleNames.Avro(f.Name), AvroType((PrimitiveType)f.Type), f.Id));
        return new JsonObject { ["type"] = "record", ["name"] = "r102", ["fields"] = fields };
    }

    public static string ManifestFile() => new JsonObject
    {
        ["type"] = "record",
        ["name"] = "manifest_file",
        ["fields"] = new JsonArray(
            Field("manifest_path", "string", 500),
            Field("manifest_length", "long", 501),
            Field("partition_spec_id", "int", 502),
            Field("content", "int", 517),
            Field("sequence_number", "long", 515),
            Field("min_sequence_number", "long", 516),
            Field("added_snapshot_id", "long", 503),
            Field("added_files_count", "int", 504),
            Field("existing_files_count", "int", 505),
            Field("deleted_files_count", "int", 506),
            Field("added_rows_count", "long", 512),
            Field("existing_rows_count", "long", 513),
            Field("deleted_rows_count", "long", 514),
            Optional("partitions", new JsonObject
            {
                ["type"] = "array",
                ["items"] = new JsonObject
                {
                    ["type"] = "record",
                    ["name"] = "r508",
                    ["fields"] = new JsonArray(
                        Field("contains_null", "boolean", 509),
                        Optional("contains_nan", "boolean", 518),
                        Optional("lower_bound", "bytes", 510),
                        Optional("upper_bound", "bytes", 511)),
                },
                ["element-id"] = 508,
            }, 507),
            Optional("key_metadata", "bytes", 519)),
    }.ToJsonString();

    /// <summary>Avro type of a primitive Iceberg value (spec Appendix A, Avro).</summary>
    public static JsonNode AvroType(PrimitiveType t) => t.Id switch
    {
        TypeId.Boolean => "boolean",
        TypeId.Int => "int",
        TypeId.Long => "long",
        TypeId.Float => "float",
        TypeId.Double => "double",
        TypeId.String => "string",
        TypeId.Binary => "bytes",
        TypeId.Date => new JsonObject { ["type"] = "int", ["logicalType"] = "date" },
        TypeId.Time => new JsonObject { ["type"] = "long", ["logicalType"] = "time-micros" },
        TypeId.Timestamp => new JsonObject { ["type"] = "long", ["logicalType"] = "timestamp-micros", ["adjust-to-utc"] = false },
        TypeId.TimestampTz => new JsonObject { ["type"] = "long", ["logicalType"] = "timestamp-micros", ["adjust-to-utc"] = true },
        // as the spec and Java write it; Apache.Avro only takes uuid on strings, so it reads and writes with ForApacheAvro's copy
        TypeId.Uuid => new JsonObject { ["type"] = "fixed", ["name"] = "uuid_fixed", ["size"] = 16, ["logicalType"] = "uuid" },
        TypeId.Fixed => new JsonObject { ["type"] = "fixed", ["name"] = $"fixed_{t.Length}", ["size"] = t.Length },
        TypeId.Decimal => new JsonObject
        {
            ["type"] = "fixed", ["name"] = $"decimal_{t.Precision}_{t.Scale}", ["size"] = DecimalBytes(t.Precision),
            ["logicalType"] = "decimal", ["precision"] = t.Precision, ["scale"] = t.Scale,
        },
        _ => throw new NotSupportedException($"no Avro mapping for {t}"),
    };

    /// <summary>
    /// The schema as Apache.Avro can parse it: a fixed with <c>"logicalType": "uuid"</c> (Avro 1.12, the Iceberg spec)
    /// loses that annotation — the values are the same 16 bytes either way. Returns the input when nothing changes.
    /// </summary>
    public static string ForApacheAvro(string schemaJson)
    {
        if (!schemaJson.Contains("uuid", StringComparison.Ordinal)) return schemaJson;
        var root = JsonNode.Parse(schemaJson)!;
        return StripFixedUuid(root) ? root.ToJsonString() : schemaJson;
    }

    private static bool StripFixedUuid(JsonNode? node)
    {
        var changed = false;
        switch (node)
        {
            case JsonObject o:
                if (o["type"] is JsonValue t && t.TryGetValue<string>(out var type) && type == "fixed"
                    && o["logicalType"] is JsonValue l && l.TryGetValue<string>(out var logical) && logical == "uuid")
                {
                    o.Remove("logicalType");
                    changed = true;
                }
                foreach (var (_, v) in o.ToList()) changed |= StripFixedUuid(v);
                break;
            case JsonArray a:
                foreach (var v in a) changed |= StripFixedUuid(v);
                break;
        }
        return changed;
    }

    /// <summary>Minimum bytes of a two's-complement integer holding any <paramref name="precision"/>-digit number.</summary>
    public static int DecimalBytes(int precision)
    {
        var max = System.Numerics.BigInteger.Pow(10, precision) - 1;
        var bytes = 1;
        while (System.Numerics.BigInteger.Pow(2, (8 * bytes) - 1) <= max) bytes++;
        return bytes;
    }

    private static JsonObject IntMap(int keyId, int valueId, string valueType) => new()
    {
        ["type"] = "array",
        ["items"] = new JsonObject
        {
            ["type"] = "record",
            ["name"] = $"k{keyId}_v{valueId}",
            ["fields"] = new JsonArray(Field("key", "int", keyId), Field("value", valueType, valueId)),
        },
        ["logicalType"] = "map",
    };

    private static JsonObject Field(string name, JsonNode type, int id) => new() { ["name"] = name, ["type"] = type, ["field-id"] = id };

    private static JsonObject Optional(string name, JsonNode type, int id) =>
        new() { ["name"] = name, ["type"] = new JsonArray("null", type), ["default"] = null, ["field-id"] = id };
}
