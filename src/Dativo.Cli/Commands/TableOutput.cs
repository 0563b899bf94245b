using System.Globalization;
using Dativo.Application.Tables;
using Dativo.Lake.Iceberg.Table;
using Spectre.Console;

namespace Dativo.Cli.Commands;

/// <summary>What <c>dativo table show|history|properties|list</c> print: Spectre.Console tables, or JSON with --json.</summary>
internal static class TableOutput
{
    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Summary(SnapshotInfo s, string key) => s.Summary.GetValueOrDefault(key) ?? "";

    public static void Show(IAnsiConsole console, TableDescription d, int orphans)
    {
        var head = new Table { Title = new TableTitle(Markup.Escape(d.Name)), ShowHeaders = false }.AddColumn("key").AddColumn("value");
        void Row(string k, string v) => head.AddRow(new Text(k), new Text(v));
        Row("location", d.Location);
        Row("metadata", d.MetadataLocation);
        Row("format version", Num(d.FormatVersion));
        Row("current snapshot", d.CurrentSnapshot is { } cur ? $"{Num(cur.SnapshotId)} ({cur.Operation}, {CliFormat.Instant(cur.Timestamp)})" : "none");
        Row("snapshots", Num(d.History.Count));
        Row("data files", Num(TableJson.Total(d, "total-data-files")));
        Row("delete files", Num(TableJson.Total(d, "total-delete-files")));
        Row("records", Num(TableJson.Total(d, "total-records")));
        Row("size (bytes)", Num(TableJson.Total(d, "total-files-size")));
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

    public static void History(IAnsiConsole console, TableDescription d)
    {
        var t = new Table { Title = new TableTitle($"{Markup.Escape(d.Name)}: snapshots (newest first)") };
        foreach (var h in new[] { "snapshot id", "parent", "seq", "committed", "operation", "added records", "total records", "current" }) t.AddColumn(h);
        foreach (var s in d.History)
            t.AddRow(Num(s.SnapshotId), s.ParentId is { } p ? Num(p) : "", Num(s.SequenceNumber), CliFormat.Instant(s.Timestamp),
                s.Operation, Summary(s, "added-records"), Summary(s, "total-records"), s.SnapshotId == d.CurrentSnapshot?.SnapshotId ? "*" : "");
        console.Write(t);
    }

    public static void Properties(IAnsiConsole console, string name, IReadOnlyDictionary<string, string> props)
    {
        var t = new Table { Title = new TableTitle($"{Markup.Escape(name)}: properties") }.AddColumn("key").AddColumn("value");
        foreach (var (k, v) in props.OrderBy(kv => kv.Key, StringComparer.Ordinal)) t.AddRow(new Text(k), new Text(v));
        console.Write(t);
    }

    public static void List(IAnsiConsole console, IReadOnlyList<TableListing> tables)
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
