using System.Globalization;
using System.Text;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Alerts;

/// <summary>
/// Prometheus text exposition of the stored runs: a status gauge per run (like CYI's <c>cyi_status</c>),
/// task durations and the queue depth per pipeline.
/// </summary>
public static class PrometheusMetrics
{
    public static string Render(IReadOnlyList<RunRecord> runs, TimeProvider time)
    {
        var sb = new StringBuilder();
        sb.Append("# HELP dativo_run_status Run status: 0 queued, 1 running, 2 succeeded, 3 failed, 4 cancelled, 5 timed out, 6 skipped.\n");
        sb.Append("# TYPE dativo_run_status gauge\n");
        foreach (var r in runs)
            sb.Append(CultureInfo.InvariantCulture, $"dativo_run_status{{pipeline=\"{E(r.Pipeline)}\",correlation_id=\"{E(r.CorrelationId)}\",export_date=\"{E(r.ExportDate ?? "")}\",run_counter=\"{r.RunCounter}\"}} {RunStatus.Gauge(r.Status)}\n");
        sb.Append("# HELP dativo_task_duration_seconds Duration of the last execution of a task.\n");
        sb.Append("# TYPE dativo_task_duration_seconds gauge\n");
        foreach (var r in runs)
            foreach (var (name, t) in r.Tasks)
                if (t.StartedAt is { } s && t.EndedAt is { } e)
                    sb.Append(CultureInfo.InvariantCulture, $"dativo_task_duration_seconds{{pipeline=\"{E(r.Pipeline)}\",correlation_id=\"{E(r.CorrelationId)}\",task=\"{E(name)}\",status=\"{t.Status}\"}} {(e - s).TotalSeconds:0.###}\n");
        sb.Append("# HELP dativo_queue_depth Runs waiting for a concurrency slot.\n");
        sb.Append("# TYPE dativo_queue_depth gauge\n");
        foreach (var g in runs.GroupBy(r => r.Pipeline).OrderBy(g => g.Key, StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"dativo_queue_depth{{pipeline=\"{E(g.Key)}\"}} {g.Count(r => r.Status == RunStatus.Queued)}\n");
        sb.Append("# HELP dativo_runs_total Stored runs by status.\n");
        sb.Append("# TYPE dativo_runs_total gauge\n");
        foreach (var g in runs.GroupBy(r => (r.Pipeline, r.Status)).OrderBy(g => g.Key.Pipeline, StringComparer.Ordinal).ThenBy(g => g.Key.Status, StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"dativo_runs_total{{pipeline=\"{E(g.Key.Pipeline)}\",status=\"{g.Key.Status}\"}} {g.Count()}\n");
        _ = time;
        return sb.ToString();
    }

    private static string E(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
