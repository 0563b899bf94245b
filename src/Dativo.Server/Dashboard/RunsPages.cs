using System.Globalization;
using Dativo.Application.Pipelines;
using Dativo.Application.Runs;
using Dativo.Orchestration.Runs;

namespace Dativo.Server.Dashboard;

/// <summary>The runs grid (recent runs × tasks per pipeline, like Airflow's grid view) and the run page.</summary>
internal static class RunsPages
{
    public const int GridRuns = 30;

    /// <summary>
    /// The grid: one block per pipeline among a page of runs from the run index (the newest unless <paramref name="before"/>),
    /// tasks as rows, runs as columns (oldest left), and a link to the next (older) page.
    /// </summary>
    public static Html Grid(RunPage page, DateTimeOffset now, string? pipeline = null, string? before = null)
    {
        var recent = page.Runs;
        var h = new Html();
        var live = before is null && recent.Any(r => Layout.Live(r.Status));
        h.Add($"<div id=\"grid\" data-refresh=\"{PageLink(pipeline, before)}fragment=grid\" data-live=\"{(live ? "true" : "false")}\">");
        if (recent.Count == 0) h.Add($"<p class=\"empty\">No runs yet. Trigger a pipeline above, or run <code>dativo pipeline run FILE</code>.</p>");
        foreach (var group in recent.GroupBy(r => r.Pipeline))
        {
            var runs = group.Reverse().ToList();
            var tasks = runs.SelectMany(r => r.Tasks.Keys).Distinct(StringComparer.Ordinal).ToList();
            var maxDuration = Math.Max(1, runs.Max(r => RunQueries.Duration(r, now)?.TotalSeconds ?? 0));
            h.Add($"<section class=\"grid-block\" data-pipeline=\"{group.Key}\"><h3>{group.Key}</h3><table class=\"grid\"><thead><tr><th></th>");
            foreach (var r in runs)
            {
                var seconds = RunQueries.Duration(r, now)?.TotalSeconds ?? 0;
                var height = Math.Max(2, (int)Math.Round(40 * seconds / maxDuration));
                h.Add($"<th><a href=\"/runs/{Html.Segment(r.RunId)}\" title=\"{r.RunId} · {r.Status.ToLowerInvariant()} · {Layout.Duration(seconds)}\">");
                h.Add($"<svg class=\"bar\" width=\"14\" height=\"42\" viewBox=\"0 0 14 42\" aria-hidden=\"true\"><rect class=\"{Layout.StatusClass(r.Status)}\" x=\"1\" y=\"{42 - height}\" width=\"12\" height=\"{height}\" rx=\"2\"/></svg></a></th>");
            }
            h.Add($"</tr></thead><tbody>");
            foreach (var t in tasks)
            {
                h.Add($"<tr><th class=\"task\">{t}</th>");
                foreach (var r in runs)
                {
                    var status = r.Tasks.GetValueOrDefault(t);
                    if (status is null) h.Add($"<td></td>");
                    else h.Add($"<td><a class=\"cell {Layout.StatusClass(status)}\" href=\"/runs/{Html.Segment(r.RunId)}\" data-run=\"{RunLookup.ShortId(r.RunId)}\" data-task=\"{t}\" data-status=\"{status.ToLowerInvariant()}\" title=\"{t} · {status.ToLowerInvariant()} · {r.RunId}\"></a></td>");
                }
                h.Add($"</tr>");
            }
            h.Add($"</tbody></table></section>");
        }
        h.Add($"<table class=\"list\"><thead><tr><th>run</th><th>pipeline</th><th>status</th><th>started</th><th>duration</th><th>error</th></tr></thead><tbody>");
        foreach (var r in recent)
            h.Add($"<tr data-run-row=\"{RunLookup.ShortId(r.RunId)}\" data-status=\"{r.Status.ToLowerInvariant()}\"><td><a href=\"/runs/{Html.Segment(r.RunId)}\">{RunLookup.ShortId(r.RunId)}</a></td><td>{r.Pipeline}</td><td>{Layout.Badge(r.Status)}</td><td>{Layout.Instant(r.StartedAt ?? r.CreatedAt)}</td><td>{Layout.Duration(RunQueries.Duration(r, now)?.TotalSeconds)}</td><td class=\"error\">{r.Error}</td></tr>");
        h.Add($"</tbody></table>");
        h.Add($"<p class=\"paging\">");
        if (before is not null) h.Add($"<a href=\"{PageLink(pipeline, null)}\" id=\"newest\">newest runs</a> ");
        if (page.Next is { } next) h.Add($"<a href=\"{PageLink(pipeline, next.ToString())}\" id=\"older\" rel=\"next\">older runs →</a>");
        h.Add($"</p></div>");
        return h;
    }

    /// <summary><c>/?</c> with the pipeline and cursor of a page, ready for more parameters.</summary>
    private static string PageLink(string? pipeline, string? before) =>
        "/?" + (pipeline is null ? "" : "pipeline=" + Uri.EscapeDataString(pipeline) + "&") + (before is null ? "" : "before=" + Uri.EscapeDataString(before) + "&");

    public static Html Pipelines(IReadOnlyList<PipelineEntry> pipelines, bool canOperate)
    {
        var h = new Html();
        h.Add($"<section class=\"pipelines\"><h2>Pipelines</h2><ul>");
        foreach (var p in pipelines)
        {
            h.Add($"<li><span class=\"name\">{p.Name}</span>");
            if (p.Pipeline is { } lp)
            {
                h.Add($" <span class=\"muted\">{lp.Tasks.Count} task(s){(lp.Definition.Schedule is { } s ? " · " + s.Cron : "")}</span>");
                if (canOperate) h.Add($" <button data-post=\"/api/pipelines/{Html.Segment(p.Name)}/runs\" data-trigger=\"{p.Name}\">Run</button>");
            }
            else h.Add($" <span class=\"error\">invalid: {string.Join("; ", p.Issues)}</span>");
            h.Add($"</li>");
        }
        if (pipelines.Count == 0) h.Add($"<li class=\"empty\">No pipeline files in the pipelines folder.</li>");
        h.Add($"</ul></section>");
        return h;
    }

    /// <summary>The run page body: header, buttons, tasks with their items, the log viewer; refreshed while the run is live.</summary>
    public static Html Run(RunDetail d, DateTimeOffset now, bool canOperate)
    {
        var r = d.Run;
        var id = Html.Segment(r.RunId);
        var live = Layout.Live(r.Status);
        var h = new Html();
        h.Add($"<div id=\"run\" data-refresh=\"/runs/{id}?fragment=run\" data-live=\"{(live ? "true" : "false")}\" data-status=\"{r.Status.ToLowerInvariant()}\">");
        h.Add($"<h1>{r.Pipeline} <span class=\"muted\">{r.CorrelationId}</span> {Layout.Badge(r.Status)}</h1>");
        h.Add($"<dl class=\"facts\"><dt>run id</dt><dd>{r.RunId}</dd><dt>short id</dt><dd>{RunLookup.ShortId(r.RunId)}</dd><dt>run #</dt><dd>{r.RunCounter}</dd>");
        h.Add($"<dt>export date</dt><dd>{r.ExportDate}</dd><dt>started</dt><dd>{Layout.Instant(r.StartedAt)}</dd><dt>ended</dt><dd>{Layout.Instant(r.EndedAt)}</dd>");
        h.Add($"<dt>duration</dt><dd>{Layout.Duration(RunQueries.Duration(r, now)?.TotalSeconds)}</dd><dt>current step</dt><dd>{r.CurrentStep}</dd></dl>");
        if (r.Error is not null) h.Add($"<p class=\"error\">{r.Error}</p>");
        if (canOperate)
        {
            h.Add($"<div class=\"actions\">");
            if (live) h.Add($"<button data-post=\"/api/runs/{id}/cancel\" data-confirm=\"Cancel this run?\" id=\"cancel\">Cancel</button>");
            else if (r.Kind != "job") h.Add($"<button data-post=\"/api/runs/{id}/retry\" id=\"retry\">Retry</button>");
            h.Add($"</div>");
        }
        foreach (var t in d.Tasks)
        {
            h.Add($"<section class=\"task\" data-task=\"{t.Name}\"><h2>{t.Name} {Layout.Badge(t.Task.Status)}</h2>");
            if (t.Task.Error is not null) h.Add($"<p class=\"error\">{t.Task.Error}</p>");
            if (t.IsForeach) h.Add($"<p class=\"muted\">{t.Items.Count(i => i.Status == RunStatus.Succeeded)}/{t.Items.Count} succeeded · datasets from {t.Task.DatasetSource}</p>");
            var maxSeconds = Math.Max(0.001, t.Items.Select(i => i.DurationSeconds).DefaultIfEmpty(0).Max());
            h.Add($"<table class=\"items\"><thead><tr><th>dataset</th><th>status</th><th>attempts</th><th>duration</th><th></th><th>error</th><th>log</th></tr></thead><tbody>");
            foreach (var i in t.Items)
            {
                var width = (int)Math.Round(100 * i.DurationSeconds / maxSeconds);
                h.Add($"<tr data-item=\"{i.Dataset ?? t.Name}\" data-status=\"{i.Status.ToLowerInvariant()}\"><td>{i.Dataset ?? "–"}</td><td>{Layout.Badge(i.Status)}</td><td>{i.Attempts.Count}</td>");
                h.Add($"<td>{Layout.Duration(i.Attempts.Count == 0 ? null : i.DurationSeconds)}</td><td><svg class=\"dur\" width=\"102\" height=\"10\" viewBox=\"0 0 102 10\" aria-hidden=\"true\"><rect class=\"{Layout.StatusClass(i.Status)}\" x=\"1\" y=\"1\" width=\"{Math.Max(1, width)}\" height=\"8\" rx=\"2\"/></svg></td>");
                h.Add($"<td class=\"error\">{i.Error}</td><td>");
                foreach (var a in i.Attempts)
                {
                    var q = $"task={Uri.EscapeDataString(t.Name)}&attempt={a.Number.ToString(CultureInfo.InvariantCulture)}" + (i.Dataset is null ? "" : "&item=" + Uri.EscapeDataString(i.Dataset));
                    h.Add($"<a href=\"#log\" class=\"log-link\" data-log=\"/api/runs/{id}/logs?{q}\" title=\"{a.Outcome.ToLowerInvariant()}\">#{a.Number}</a> ");
                }
                h.Add($"</td></tr>");
            }
            h.Add($"</tbody></table></section>");
        }
        h.Add($"</div>");
        return h;
    }

    public static Html LogViewer() => new Html().Add($"<section class=\"log\"><h2 id=\"log\">Log <span id=\"log-title\" class=\"muted\">(choose an attempt)</span></h2><pre id=\"log-text\"></pre></section>");
}
