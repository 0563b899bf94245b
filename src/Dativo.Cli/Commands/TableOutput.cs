using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Lake.Iceberg.Table;
using Spectre.Console;

namespace Dativo.Cli.Commands;

/// <summary>What <c>dativo table show|history|properties|list</c> print: Spectre.Console tables, or JSON with --json.</summary>
internal static class TableOutput
{
    public sealed record Listed(string Namespace, string Table, int? Snapshots, long? CurrentSnapshotId, string? Error = null);

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Summary(SnapshotInfo s, string key) => s.Summary.GetValueOrDefault(key) ?? "";

    public static JsonObject ShowJson(TableDescription d, int orphans) => new()
    {
        ["name"] = d.Name,
        ["location"] = d.Location,
        ["metadata_location"] = d.MetadataLocation,
        ["format_version"] = d.FormatVersion,
        ["table_uuid"] = d.TableUuid,
        ["schema"] = new JsonArray([.. d.Schema.Columns.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id, ["name"] = c.Name, ["type"] = c.Type.ToString(), ["required"] = c.Required,
        })]),
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

    private static long Total(TableDescription d, string key) =>
        d.CurrentSnapshot?.Summary.GetValueOrDefault(key) is { } v && long.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;

    public static void Show(IAnsiConsole console, TableDescription d, int orphans)
    {
        var head = new Table { Title = new TableTitle(Markup.Escape(d.Name)), ShowHeaders = false }.AddColumn("key").AddColumn("value");
        void Row(string k, string v) => head.AddRow(new Text(k), new Text(v));
        Row("location", d.Location);
        Row("metadata", d.MetadataLocation);
        Row("format version", Num(d.FormatVersion));
        Row("current snapshot", d.CurrentSnapshot is { } cur ? $"{Num(cur.SnapshotId)} ({cur.Operation}, {CliFormat.Instant(cur.Timestamp)})" : "none");
        Row("snapshots", Num(d.History.Count));
        Row("data files", Num(Total(d, "total-data-files")));
        Row("delete files", Num(Total(d, "total-delete-files")));
        Row("records", Num(Total(d, "total-records")));
        Row("size (bytes)", Num(Total(d, "total-files-size")));
        Row("properties", Num(d.Properties.Count));
        Row("orphan files", Num(orphans));
        console.Write(head);
        var schema = new Table { Title = new TableTitle("schema") }.AddColumn("id").AddColumn("name").AddColumn("type").AddColumn("required");
        foreach (var c in d.Schema.Columns) schema.AddRow(new Text(Num(c.Id)), new Text(c.Name), new Text(c.Type.ToString()), new Text(c.Required ? "yes" : "no"));
        console.Write(schema);
        var spec = new Table { Title = new TableTitle("partition spec") }.AddColumn("field").AddColumn("source").AddColumn("transform");
        foreach (var f in d.Spec.Fields) spec.AddRow(new Text(f.Name), new Text(d.Schema.FindField(f.SourceId)?.Name ?? "?"), new Text(f.Transform.ToString() ?? ""));
        if (d.Spec.Fields.Count == 0) spec.AddRow(new Text("(unpartitioned)"), new Text(""), new Text(""));
        console.Write(spec);
    }

    public static JsonArray HistoryJson(TableDescription d) => new([.. d.History.Select(s => (JsonNode)new JsonObject
    {
        ["snapshot_id"] = s.SnapshotId,
        ["parent_id"] = s.ParentId,
        ["sequence_number"] = s.SequenceNumber,
        ["timestamp"] = CliFormat.InstantPrecise(s.Timestamp),
        ["operation"] = s.Operation,
        ["is_current_ancestor"] = s.IsCurrentAncestor,
        ["summary"] = new JsonObject([.. s.Summary.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
    })]);

    public static void History(IAnsiConsole console, TableDescription d)
    {
        var t = new Table { Title = new TableTitle($"{Markup.Escape(d.Name)}: snapshots (newest first)") };
        foreach (var h in new[] { "snapshot id", "parent", "seq", "committed", "operation", "added records", "total records", "current" }) t.AddColumn(h);
        foreach (var s in d.History)
            t.AddRow(Num(s.SnapshotId), s.ParentId is { } p ? Num(p) : "", Num(s.SequenceNumber), CliFormat.Instant(s.Timestamp),
                s.Operation, Summary(s, "added-records"), Summary(s, "total-records"), s.SnapshotId == d.CurrentSnapshot?.SnapshotId ? "*" : "");
        console.Write(t);
    }

    public static JsonObject PropertiesJson(IReadOnlyDictionary<string, string> props) =>
        new([.. props.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);

    public static void Properties(IAnsiConsole console, string name, IReadOnlyDictionary<string, string> props)
    {
        var t = new Table { Title = new TableTitle($"{Markup.Escape(name)}: properties") }.AddColumn("key").AddColumn("value");
        foreach (var (k, v) in props.OrderBy(kv => kv.Key, StringComparer.Ordinal)) t.AddRow(new Text(k), new Text(v));
        console.Write(t);
    }

    public static JsonArray ListJson(IEnumerable<Listed> tables) => new([.. tables.Select(t =>
    {
        var row = new JsonObject
        {
            ["namespace"] = t.Namespace, ["table"] = t.Table, ["snapshots"] = t.Snapshots, ["current_snapshot_id"] = t.CurrentSnapshotId,
        };
        if (t.Error is not null) row["error"] = t.Error;
        return (JsonNode)row;
    })]);

    public static void List(IAnsiConsole console, IReadOnlyList<Listed> tables)
    {
        var t = new Table { Title = new TableTitle("tables") }.AddColumn("namespace").AddColumn("table").AddColumn("snapshots").AddColumn("current snapshot id");
        if (tables.Any(x => x.Error is not null)) t.AddColumn("error");
        foreach (var x in tables)
        {
            // Text, not markup: names written by other tools may hold '[' or ']'
            List<Text> cells = [new(x.Namespace), new(x.Table), new(x.Snapshots is { } n ? Num(n) : ""), new(x.CurrentSnapshotId is { } id ? Num(id) : "")];
            if (t.Columns.Count > 4) cells.Add(new Text(x.Error ?? ""));
            t.AddRow(cells);
        }
        console.Write(t);
    }
}
