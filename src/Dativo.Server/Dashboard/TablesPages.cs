using System.Globalization;
using Dativo.Application.Infrastructure;
using Dativo.Application.Tables;
using Dativo.Core.Config.Jobs;
using Dativo.Lake.Iceberg.Table;

namespace Dativo.Server.Dashboard;

/// <summary>The tables list and a table's page: schema with classification (sensitive columns highlighted), snapshots, tags and lineage.</summary>
internal static class TablesPages
{
    public static Html List(IReadOnlyList<TableListing> tables)
    {
        var h = new Html();
        h.Add($"<h1>Tables</h1><table class=\"list\" id=\"tables\"><thead><tr><th>table</th><th>snapshots</th><th>current snapshot</th><th>error</th></tr></thead><tbody>");
        foreach (var t in tables)
            h.Add($"<tr><td><a href=\"/tables/{Html.Segment(t.Qualified)}\">{t.Qualified}</a></td><td>{t.Snapshots}</td><td>{t.CurrentSnapshotId}</td><td class=\"error\">{t.Error}</td></tr>");
        if (tables.Count == 0) h.Add($"<tr><td colspan=\"4\" class=\"empty\">No tables in the warehouse yet.</td></tr>");
        h.Add($"</tbody></table>");
        return h;
    }

    public static Html Table(TableDescription d, IReadOnlyList<LoadedJob> producers, Func<string, string?> env)
    {
        var h = new Html();
        h.Add($"<h1>{d.Name}</h1><dl class=\"facts\"><dt>location</dt><dd>{d.Location}</dd><dt>format</dt><dd>v{d.FormatVersion}</dd>");
        h.Add($"<dt>records</dt><dd>{TableJson.Total(d, "total-records")}</dd><dt>data files</dt><dd>{TableJson.Total(d, "total-data-files")}</dd><dt>snapshots</dt><dd>{d.History.Count}</dd>");
        h.Add($"<dt>classification</dt><dd>{d.Properties.GetValueOrDefault("classification.default") ?? "–"}</dd></dl>");

        h.Add($"<section><h2>Schema</h2><table class=\"list\" id=\"schema\"><thead><tr><th>id</th><th>column</th><th>type</th><th>required</th><th>classification</th></tr></thead><tbody>");
        foreach (var c in d.Schema.Columns)
        {
            var cls = TableJson.Classification(d.Properties, c.Name);
            var sensitive = TableJson.IsSensitive(cls);
            h.Add($"<tr{new Raw(sensitive ? " class=\"pii\"" : "")} data-column=\"{c.Name}\"><td>{c.Id}</td><td>{c.Name}</td><td>{c.Type.ToString()}</td><td>{(c.Required ? "yes" : "no")}</td><td>{(sensitive ? Layout.Badge("pii") : default)}{(sensitive ? " " : "")}{cls ?? ""}</td></tr>");
        }
        h.Add($"</tbody></table></section>");

        h.Add($"<section><h2>Snapshots</h2>{Chart(d.History)}<table class=\"list\" id=\"snapshots\"><thead><tr><th>snapshot</th><th>committed</th><th>operation</th><th>added records</th><th>total records</th></tr></thead><tbody>");
        foreach (var s in d.History)
            h.Add($"<tr><td>{s.SnapshotId}{(s.SnapshotId == d.CurrentSnapshot?.SnapshotId ? " (current)" : "")}</td><td>{Layout.Instant(s.Timestamp)}</td><td>{s.Operation}</td><td>{s.Summary.GetValueOrDefault("added-records")}</td><td>{s.Summary.GetValueOrDefault("total-records")}</td></tr>");
        h.Add($"</tbody></table></section>");

        h.Add($"<section><h2>Properties and tags</h2><table class=\"list\" id=\"properties\"><thead><tr><th>property</th><th>value</th></tr></thead><tbody>");
        foreach (var (k, v) in d.Properties.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            h.Add($"<tr><td>{k}</td><td>{v}</td></tr>");
        h.Add($"</tbody></table></section>");

        h.Add($"<section id=\"lineage\"><h2>Lineage</h2>");
        if (producers.Count == 0) h.Add($"<p class=\"muted\">No job in the jobs folder writes this table.</p>");
        foreach (var job in producers)
        {
            var derived = JobInfrastructure.TableProperties(job);
            h.Add($"<div class=\"lineage\"><div class=\"node\"><h3>contract</h3><p>{job.Contract.Name} v{job.Contract.Version}</p><p class=\"muted\">job {job.Name} ({Path.GetFileName(job.File)})</p></div><div class=\"arrow\">→</div>");
            h.Add($"<div class=\"node\"><h3>table properties</h3><ul>");
            foreach (var (k, v) in derived)
                h.Add($"<li{new Raw(d.Properties.GetValueOrDefault(k) == v ? "" : " class=\"drift\"")}>{k} = {v}</li>");
            h.Add($"</ul></div><div class=\"arrow\">→</div><div class=\"node\"><h3>infrastructure tags</h3><ul>");
            foreach (var (k, v) in JobInfrastructure.Tags(job))
                h.Add($"<li>{k} = {v}</li>");
            h.Add($"</ul></div></div>");
        }
        h.Add($"</section>");
        return h;
    }

    /// <summary>Total records after each snapshot, oldest left, as an inline SVG line.</summary>
    private static Html Chart(IReadOnlyList<SnapshotInfo> history)
    {
        var h = new Html();
        var points = history.Reverse().Select(s => long.TryParse(s.Summary.GetValueOrDefault("total-records"), CultureInfo.InvariantCulture, out var n) ? n : 0).ToList();
        if (points.Count < 2) return h;
        var max = Math.Max(1, points.Max());
        const int W = 600, H = 80;
        var coords = string.Join(" ", points.Select((p, i) => string.Create(CultureInfo.InvariantCulture, $"{i * (W - 10) / (points.Count - 1) + 5},{H - 5 - (p * (H - 10) / max)}")));
        h.Add($"<svg class=\"chart\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"total records per snapshot\"><polyline class=\"line\" points=\"{coords}\"/></svg>");
        return h;
    }
}
