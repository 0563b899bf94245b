using System.Globalization;
using System.Text.Json.Nodes;

namespace Dativo.Lake.Iceberg.Types;

/// <summary>Schema and type JSON (spec Appendix C, "Schemas").</summary>
internal static class TypeJson
{
    public static JsonNode ToJson(IcebergType type) => type switch
    {
        PrimitiveType p => JsonValue.Create(p.ToString())!,
        StructType s => StructToJson(s.Fields),
        ListType l => new JsonObject
        {
            ["type"] = "list",
            ["element-id"] = l.ElementId,
            ["element"] = ToJson(l.Element),
            ["element-required"] = l.ElementRequired,
        },
        MapType m => new JsonObject
        {
            ["type"] = "map",
            ["key-id"] = m.KeyId,
            ["key"] = ToJson(m.Key),
            ["value-id"] = m.ValueId,
            ["value"] = ToJson(m.Value),
            ["value-required"] = m.ValueRequired,
        },
        _ => throw new ArgumentException($"unsupported type {type}"),
    };

    public static JsonObject SchemaToJson(IcebergSchema schema)
    {
        var o = StructToJson(schema.Columns);
        o.Insert(1, "schema-id", schema.SchemaId);
        if (schema.IdentifierFieldIds.Count > 0)
            o["identifier-field-ids"] = new JsonArray([.. schema.IdentifierFieldIds.Select(i => (JsonNode?)JsonValue.Create(i))]);
        return o;
    }

    public static IcebergSchema SchemaFromJson(JsonNode node)
    {
        var o = node.AsObject();
        var id = o["schema-id"]?.GetValue<int>() ?? 0;
        var ids = o["identifier-field-ids"]?.AsArray().Select(n => n!.GetValue<int>()).ToList();
        return new IcebergSchema(id, ((StructType)FromJson(o)).Fields, ids);
    }

    private static JsonObject StructToJson(IReadOnlyList<NestedField> fields)
    {
        var arr = new JsonArray();
        foreach (var f in fields)
        {
            var fo = new JsonObject
            {
                ["id"] = f.Id,
                ["name"] = f.Name,
                ["required"] = f.Required,
                ["type"] = ToJson(f.Type),
            };
            if (f.Doc is not null) fo["doc"] = f.Doc;
            arr.Add(fo);
        }
        return new JsonObject { ["type"] = "struct", ["fields"] = arr };
    }

    public static IcebergType FromJson(JsonNode node)
    {
        if (node is JsonValue v) return ParsePrimitive(v.GetValue<string>());
        var o = node.AsObject();
        var kind = o["type"]!.GetValue<string>();
        return kind switch
        {
            "struct" => new StructType(o["fields"]!.AsArray().Select(f => new NestedField(
                f!["id"]!.GetValue<int>(),
                f["name"]!.GetValue<string>(),
                f["required"]!.GetValue<bool>(),
                FromJson(f["type"]!),
                f["doc"]?.GetValue<string>())).ToList()),
            "list" => new ListType(o["element-id"]!.GetValue<int>(), FromJson(o["element"]!), o["element-required"]!.GetValue<bool>()),
            "map" => new MapType(o["key-id"]!.GetValue<int>(), FromJson(o["key"]!), o["value-id"]!.GetValue<int>(),
                FromJson(o["value"]!), o["value-required"]!.GetValue<bool>()),
            _ => throw new FormatException($"unknown Iceberg type object '{kind}'"),
        };
    }

    public static PrimitiveType ParsePrimitive(string s)
    {
        s = s.Trim();
        switch (s)
        {
            case "boolean": return IcebergType.Boolean;
            case "int": return IcebergType.Int;
            case "long": return IcebergType.Long;
            case "float": return IcebergType.Float;
            case "double": return IcebergType.Double;
            case "date": return IcebergType.Date;
            case "time": return IcebergType.Time;
            case "timestamp": return IcebergType.Timestamp;
            case "timestamptz": return IcebergType.TimestampTz;
            case "timestamp_ns": return new PrimitiveType(TypeId.TimestampNs);
            case "timestamptz_ns": return new PrimitiveType(TypeId.TimestampTzNs);
            case "string": return IcebergType.String;
            case "uuid": return IcebergType.Uuid;
            case "binary": return IcebergType.Binary;
            case "unknown": return new PrimitiveType(TypeId.Unknown);
        }
        if (s.StartsWith("fixed[", StringComparison.Ordinal) && s.EndsWith(']'))
            return IcebergType.Fixed(int.Parse(s[6..^1], CultureInfo.InvariantCulture));
        if (s.StartsWith("decimal(", StringComparison.Ordinal) && s.EndsWith(')'))
        {
            var parts = s[8..^1].Split(',');
            return IcebergType.Decimal(int.Parse(parts[0].Trim(), CultureInfo.InvariantCulture), int.Parse(parts[1].Trim(), CultureInfo.InvariantCulture));
        }
        throw new FormatException($"unknown Iceberg type '{s}'");
    }
}
