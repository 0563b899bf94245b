using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Lake.Iceberg.Transforms;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Metadata;

/// <summary>Table metadata JSON (spec Appendix C). Reads v1 and v2, writes v2.</summary>
public static class TableMetadataJson
{
    private static readonly string[] Known =
    [
        "format-version", "table-uuid", "location", "last-sequence-number", "last-updated-ms", "last-column-id",
        "schema", "schemas", "current-schema-id", "partition-spec", "partition-specs", "default-spec-id", "last-partition-id",
        "properties", "current-snapshot-id", "snapshots", "snapshot-log", "metadata-log", "sort-orders", "default-sort-order-id", "refs",
    ];

    public static string ToJson(TableMetadata m) => ToJsonObject(m).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public static JsonObject ToJsonObject(TableMetadata m)
    {
        var o = new JsonObject
        {
            ["format-version"] = m.FormatVersion,
            ["table-uuid"] = m.TableUuid,
            ["location"] = m.Location,
            ["last-sequence-number"] = m.LastSequenceNumber,
            ["last-updated-ms"] = m.LastUpdatedMs,
            ["last-column-id"] = m.LastColumnId,
            ["current-schema-id"] = m.CurrentSchemaId,
            ["schemas"] = new JsonArray([.. m.Schemas.Select(s => (JsonNode)TypeJson.SchemaToJson(s))]),
            ["default-spec-id"] = m.DefaultSpecId,
            ["partition-specs"] = new JsonArray([.. m.PartitionSpecs.Select(s => (JsonNode)SpecToJson(s))]),
            ["last-partition-id"] = m.LastPartitionId,
            ["default-sort-order-id"] = m.DefaultSortOrderId,
            ["sort-orders"] = new JsonArray([.. m.SortOrders.Select(s => (JsonNode)SortOrderToJson(s))]),
            ["properties"] = new JsonObject(m.Properties.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["current-snapshot-id"] = m.CurrentSnapshotId ?? -1,
        };
        var refs = new JsonObject();
        foreach (var (name, r) in m.Refs)
        {
            var ro = new JsonObject { ["snapshot-id"] = r.SnapshotId, ["type"] = r.Type };
            if (r.MinSnapshotsToKeep is { } k) ro["min-snapshots-to-keep"] = k;
            if (r.MaxSnapshotAgeMs is { } a) ro["max-snapshot-age-ms"] = a;
            if (r.MaxRefAgeMs is { } ra) ro["max-ref-age-ms"] = ra;
            refs[name] = ro;
        }
        o["refs"] = refs;
        o["snapshots"] = new JsonArray([.. m.Snapshots.Select(s => (JsonNode)SnapshotToJson(s))]);
        o["snapshot-log"] = new JsonArray([.. m.SnapshotLog.Select(e => (JsonNode)new JsonObject { ["timestamp-ms"] = e.TimestampMs, ["snapshot-id"] = e.SnapshotId })]);
        o["metadata-log"] = new JsonArray([.. m.MetadataLog.Select(e => (JsonNode)new JsonObject { ["timestamp-ms"] = e.TimestampMs, ["metadata-file"] = e.MetadataFile })]);
        foreach (var (k, v) in m.Extra) o[k] = v.DeepClone();
        return o;
    }

    public static JsonObject SpecToJson(PartitionSpec s) => new()
    {
        ["spec-id"] = s.SpecId,
        ["fields"] = SpecFieldsToJson(s),
    };

    public static JsonArray SpecFieldsToJson(PartitionSpec s) => new([.. s.Fields.Select(f => (JsonNode)new JsonObject
    {
        ["name"] = f.Name,
        ["transform"] = f.Transform.ToString(),
        ["source-id"] = f.SourceId,
        ["field-id"] = f.FieldId,
    })]);

    private static JsonObject SortOrderToJson(SortOrder s) => new()
    {
        ["order-id"] = s.OrderId,
        ["fields"] = new JsonArray([.. s.Fields.Select(f => (JsonNode)new JsonObject
        {
            ["transform"] = f.Transform.ToString(),
            ["source-id"] = f.SourceId,
            ["direction"] = f.Direction == SortDirection.Asc ? "asc" : "desc",
            ["null-order"] = f.NullOrder == NullOrder.NullsFirst ? "nulls-first" : "nulls-last",
        })]),
    };

    private static JsonObject SnapshotToJson(Snapshot s)
    {
        var o = new JsonObject { ["sequence-number"] = s.SequenceNumber, ["snapshot-id"] = s.SnapshotId };
        if (s.ParentSnapshotId is { } p) o["parent-snapshot-id"] = p;
        o["timestamp-ms"] = s.TimestampMs;
        o["summary"] = new JsonObject(s.Summary.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        o["manifest-list"] = s.ManifestList;
        if (s.SchemaId is { } sid) o["schema-id"] = sid;
        return o;
    }

    /// <summary>Parses metadata JSON; GZIP-compressed content (<c>.gz.metadata.json</c>) is detected.</summary>
    public static TableMetadata Parse(ReadOnlySpan<byte> content)
    {
        if (content.Length > 2 && content[0] == 0x1f && content[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(content.ToArray()), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            return Parse(JsonNode.Parse(ms.ToArray())!.AsObject());
        }
        return Parse(JsonNode.Parse(content)!.AsObject());
    }

    public static TableMetadata Parse(string json) => Parse(JsonNode.Parse(json)!.AsObject());

    public static TableMetadata Parse(JsonObject o)
    {
        var version = o["format-version"]!.GetValue<int>();
        if (version > 2) throw new Core.Errors.DativoException($"Iceberg format version {version} is not supported (this reader supports 1 and 2)");
        var schemas = o["schemas"] is JsonArray sa
            ? sa.Select(n => TypeJson.SchemaFromJson(n!)).ToList()
            : [TypeJson.SchemaFromJson(o["schema"]!)];
        var currentSchemaId = o["current-schema-id"]?.GetValue<int>() ?? schemas[0].SchemaId;
        var specs = o["partition-specs"] is JsonArray pa
            ? pa.Select(n => SpecFromJson(n!["spec-id"]!.GetValue<int>(), n["fields"]!.AsArray())).ToList()
            : [SpecFromJson(0, o["partition-spec"]!.AsArray())];
        var orders = o["sort-orders"] is JsonArray oa ? oa.Select(n => SortOrderFromJson(n!)).ToList() : [SortOrder.Unsorted];
        long? current = o["current-snapshot-id"]?.GetValue<long>() is { } c && c != -1 ? c : null;
        var refs = new Dictionary<string, SnapshotRef>();
        if (o["refs"] is JsonObject ro)
            foreach (var (name, r) in ro)
                refs[name] = new SnapshotRef(r!["snapshot-id"]!.GetValue<long>(), r["type"]!.GetValue<string>(),
                    r["min-snapshots-to-keep"]?.GetValue<int>(), r["max-snapshot-age-ms"]?.GetValue<long>(), r["max-ref-age-ms"]?.GetValue<long>());
        if (current is { } cur && !refs.ContainsKey(SnapshotRef.Main)) refs[SnapshotRef.Main] = new SnapshotRef(cur, SnapshotRef.Branch);
        var extra = o.Where(kv => !Known.Contains(kv.Key) && kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!.DeepClone());
        return new TableMetadata
        {
            FormatVersion = version,
            TableUuid = o["table-uuid"]?.GetValue<string>() ?? Guid.Empty.ToString(),
            Location = o["location"]!.GetValue<string>(),
            LastSequenceNumber = o["last-sequence-number"]?.GetValue<long>() ?? 0,
            LastUpdatedMs = o["last-updated-ms"]!.GetValue<long>(),
            LastColumnId = o["last-column-id"]!.GetValue<int>(),
            Schemas = schemas,
            CurrentSchemaId = currentSchemaId,
            PartitionSpecs = specs,
            DefaultSpecId = o["default-spec-id"]?.GetValue<int>() ?? 0,
            LastPartitionId = o["last-partition-id"]?.GetValue<int>() ?? specs.SelectMany(s => s.Fields).Select(f => f.FieldId).DefaultIfEmpty(999).Max(),
            Properties = o["properties"] is JsonObject po ? po.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>()) : new Dictionary<string, string>(),
            CurrentSnapshotId = current,
            Snapshots = o["snapshots"] is JsonArray snaps ? snaps.Select(n => SnapshotFromJson(n!.AsObject())).ToList() : [],
            SnapshotLog = o["snapshot-log"] is JsonArray sl ? sl.Select(n => new SnapshotLogEntry(n!["timestamp-ms"]!.GetValue<long>(), n["snapshot-id"]!.GetValue<long>())).ToList() : [],
            MetadataLog = o["metadata-log"] is JsonArray ml ? ml.Select(n => new MetadataLogEntry(n!["timestamp-ms"]!.GetValue<long>(), n["metadata-file"]!.GetValue<string>())).ToList() : [],
            SortOrders = orders,
            DefaultSortOrderId = o["default-sort-order-id"]?.GetValue<int>() ?? 0,
            Refs = refs,
            Extra = extra,
        };
    }

    public static PartitionSpec SpecFromJson(int specId, JsonArray fields)
    {
        var next = PartitionSpec.FirstFieldId;
        return new PartitionSpec(specId, [.. fields.Select(f => new PartitionField(
            f!["source-id"]!.GetValue<int>(),
            f["field-id"]?.GetValue<int>() ?? next++,
            f["name"]!.GetValue<string>(),
            Transform.Parse(f["transform"]!.GetValue<string>())))]);
    }

    private static SortOrder SortOrderFromJson(JsonNode n) => new(
        n["order-id"]!.GetValue<int>(),
        [.. n["fields"]!.AsArray().Select(f => new SortField(
            f!["source-id"]!.GetValue<int>(),
            Transform.Parse(f["transform"]!.GetValue<string>()),
            f["direction"]!.GetValue<string>() == "desc" ? SortDirection.Desc : SortDirection.Asc,
            f["null-order"]!.GetValue<string>() == "nulls-last" ? NullOrder.NullsLast : NullOrder.NullsFirst))]);

    private static Snapshot SnapshotFromJson(JsonObject o) => new(
        o["snapshot-id"]!.GetValue<long>(),
        o["parent-snapshot-id"]?.GetValue<long>(),
        o["sequence-number"]?.GetValue<long>() ?? 0,
        o["timestamp-ms"]!.GetValue<long>(),
        o["manifest-list"]?.GetValue<string>() ?? throw new Core.Errors.DativoException("snapshots without a manifest list (v1 'manifests') are not supported"),
        o["summary"] is JsonObject so ? so.ToDictionary(kv => kv.Key, kv => kv.Value!.ToString()) : new Dictionary<string, string> { ["operation"] = "append" },
        o["schema-id"]?.GetValue<int>());

    /// <summary>Version number of a metadata file name: <c>v12.metadata.json</c> → 12, <c>00012-uuid.metadata.json</c> → 12.</summary>
    public static int? VersionOf(string location)
    {
        var name = location[(location.LastIndexOf('/') + 1)..];
        if (name.StartsWith('v'))
        {
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot > 1 && int.TryParse(name[1..dot], CultureInfo.InvariantCulture, out var v)) return v;
        }
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && int.TryParse(name[..dash], CultureInfo.InvariantCulture, out var n)) return n;
        return null;
    }
}
