using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Core.Text;
using Dativo.Lake.Iceberg.Table;

namespace Dativo.Application.Tables;

/// <summary>Tables as JSON: what <c>dativo table ... --json</c> prints and the server's <c>/api/tables</c> answers.</summary>
public static class TableJson
{
    public static JsonObject Show(TableDescription d, int? orphans) => new()
    {
        ["name"] = d.Name,
        ["location"] = d.Location,
        ["metadata_location"] = d.MetadataLocation,
        ["format_version"] = d.FormatVersion,
        ["table_uuid"] = d.TableUuid,
        ["schema"] = Schema(d),
        ["partition_spec"] = new JsonArray([.. d.Spec.Fields.Select(f => (JsonNode)new JsonObject
        {
            ["name"] = f.Name, ["source"] = d.Schema.FindField(f.SourceId)?.Name, ["transform"] = f.Transform.ToString(), ["field_id"] = f.FieldId,
        })]),
        ["properties_count"] = d.Properties.Count,
        ["current_snapshot_id"] = d.CurrentSnapshot?.SnapshotId,
        ["snapshots"] = d.History.Count,
        ["data_files"] = Total(d, "total-data-files"),
        ["delete_files"] = Total(d, "total-delete-files"),
        ["records"] = Total(d, "total-records"),
        ["size_bytes"] = Total(d, "total-files-size"),
        ["orphan_files"] = orphans,
    };

    public static JsonArray Schema(TableDescription d) => new([.. d.Schema.Columns.Select(c => (JsonNode)new JsonObject
    {
        ["id"] = c.Id, ["name"] = c.Name, ["type"] = c.Type.ToString(), ["required"] = c.Required,
    })]);

    /// <summary>A summary total of the current snapshot (<c>total-records</c>, <c>total-data-files</c>...), 0 when absent.</summary>
    public static long Total(TableDescription d, string key) =>
        d.CurrentSnapshot?.Summary.GetValueOrDefault(key) is { } v && long.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;

    public static JsonArray History(TableDescription d) => new([.. d.History.Select(s => (JsonNode)new JsonObject
    {
        ["snapshot_id"] = s.SnapshotId,
        ["parent_id"] = s.ParentId,
        ["sequence_number"] = s.SequenceNumber,
        ["timestamp"] = IsoTime.Precise(s.Timestamp),
        ["operation"] = s.Operation,
        ["is_current_ancestor"] = s.IsCurrentAncestor,
        ["summary"] = new JsonObject([.. s.Summary.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
    })]);

    public static JsonObject Properties(IReadOnlyDictionary<string, string> props) =>
        new([.. props.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);

    public static JsonArray List(IEnumerable<TableListing> tables) => new([.. tables.Select(t =>
    {
        var row = new JsonObject
        {
            ["namespace"] = t.Namespace, ["table"] = t.Table, ["snapshots"] = t.Snapshots, ["current_snapshot_id"] = t.CurrentSnapshotId,
        };
        if (t.Error is not null) row["error"] = t.Error;
        return (JsonNode)row;
    })]);

    /// <summary>The PII-like classification of a column from the table properties (<c>classification.fields.&lt;column&gt;</c>), or null.</summary>
    public static string? Classification(IReadOnlyDictionary<string, string> props, string column) =>
        props.GetValueOrDefault("classification.fields." + column);

    /// <summary>Classifications that mark personal or sensitive data, highlighted wherever columns are shown.</summary>
    public static bool IsSensitive(string? classification) =>
        classification is not null && (classification.Contains("pii", StringComparison.OrdinalIgnoreCase) || classification.Contains("sensitive", StringComparison.OrdinalIgnoreCase)
            || classification.Contains("restricted", StringComparison.OrdinalIgnoreCase) || classification.Contains("confidential", StringComparison.OrdinalIgnoreCase));
}
