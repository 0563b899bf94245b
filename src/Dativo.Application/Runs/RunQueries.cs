using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Core.Text;
using Dativo.Orchestration.Runs;

namespace Dativo.Application.Runs;

/// <summary>Which stored runs to list: statuses (any when empty), one pipeline, at most the newest <see cref="Limit"/>.</summary>
public sealed record RunFilter(IReadOnlyCollection<string>? Statuses = null, string? Pipeline = null, int? Limit = null);

/// <summary>Reading the run history: listing with filters, the JSON row of a run, durations.</summary>
public static class RunQueries
{
    public static readonly IReadOnlyList<string> Statuses =
        [RunStatus.Queued, RunStatus.Running, RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled, RunStatus.TimedOut, RunStatus.Skipped, RunStatus.Pending];

    /// <summary>A status as a person types it (<c>timed-out</c>, <c>failed</c>) in its stored form; <paramref name="what"/> names the option in the error.</summary>
    public static string ParseStatus(string s, string what = "--status")
    {
        var up = s.Trim().ToUpperInvariant().Replace('-', '_');
        return Statuses.Contains(up) ? up
            : throw new DativoException($"{what} {s}: unknown status; use one of {string.Join(", ", Statuses.Select(x => x.ToLowerInvariant()))}");
    }

    /// <summary>The runs the filter picks, newest first (started, else created; then run id).</summary>
    public static async Task<List<RunRecord>> ListAsync(IRunStore store, RunFilter filter, CancellationToken ct)
    {
        if (filter.Limit is < 1) throw new DativoException("limit: give a number of runs of at least 1");
        var wanted = filter.Statuses is { Count: > 0 } s ? s.ToHashSet(StringComparer.Ordinal) : null;
        var runs = new List<RunRecord>();
        await foreach (var r in store.ListRunsAsync(ct).ConfigureAwait(false))
            if ((wanted is null || wanted.Contains(r.Status)) && (filter.Pipeline is null || r.Pipeline == filter.Pipeline)) runs.Add(r);
        IEnumerable<RunRecord> sorted = runs.OrderByDescending(r => r.StartedAt ?? r.CreatedAt).ThenBy(r => r.RunId, StringComparer.Ordinal);
        if (filter.Limit is { } n) sorted = sorted.Take(n);
        return sorted.ToList();
    }

    /// <summary>One run as a JSON row (what <c>runs list --json</c> and <c>GET /api/runs</c> show).</summary>
    public static JsonObject Json(RunRecord r, DateTimeOffset now) => new()
    {
        ["run_id"] = r.RunId,
        ["short_id"] = RunLookup.ShortId(r.RunId),
        ["pipeline"] = r.Pipeline,
        ["correlation_id"] = r.CorrelationId,
        ["kind"] = r.Kind ?? "run",
        ["run_counter"] = r.RunCounter,
        ["status"] = r.Status,
        ["current_step"] = r.CurrentStep,
        ["export_date"] = r.ExportDate,
        ["created_at"] = IsoTime.Precise(r.CreatedAt),
        ["started_at"] = IsoTime.Precise(r.StartedAt),
        ["ended_at"] = IsoTime.Precise(r.EndedAt),
        ["duration_s"] = Duration(r, now) is { } d ? Math.Round(d.TotalSeconds, 3) : null,
        ["error"] = r.Error,
    };

    /// <summary>Started to ended; a run still going counts to now. None for a run that never started.</summary>
    public static TimeSpan? Duration(RunRecord r, DateTimeOffset now) =>
        r.StartedAt is { } s ? (r.EndedAt is { } e && e >= s ? e : RunStatus.IsTerminal(r.Status) ? s : now) - s : null;
}
