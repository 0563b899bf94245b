using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Core.Text;
using Dativo.Orchestration.Runs;

namespace Dativo.Application.Runs;

/// <summary>
/// Which stored runs to list: statuses (any when empty), one pipeline, listed (started, else created) at
/// <see cref="Since"/> ≤ t &lt; <see cref="Until"/>, after the cursor <see cref="Before"/> (a page's <c>next</c>), at most the newest <see cref="Limit"/>.
/// </summary>
public sealed record RunFilter(
    IReadOnlyCollection<string>? Statuses = null, string? Pipeline = null, int? Limit = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null, string? Before = null);

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

    /// <summary>
    /// The page of runs the filter picks, newest first (started, else created; then run id descending), from the run
    /// index: no run record is read. Without a limit, every run the filter picks (read a page at a time).
    /// </summary>
    public static async Task<RunPage> ListAsync(IRunStore store, RunFilter filter, CancellationToken ct)
    {
        if (filter.Limit is < 1) throw new DativoException("limit: give a number of runs of at least 1");
        if (filter.Since is { } s && filter.Until is { } u && u <= s) throw new DativoException($"until ({IsoTime.Precise(u)}) is not after since ({IsoTime.Precise(s)})");
        RunCursor? before = null;
        if (filter.Before is not null && !RunCursor.TryParse(filter.Before, out before))
            throw new DativoException($"before '{filter.Before}': not a cursor; pass the 'next' value of the previous page (MILLISECONDS~RUN_ID)");
        var statuses = filter.Statuses is { Count: > 0 } st ? st.ToHashSet(StringComparer.Ordinal) : null;
        var wanted = filter.Limit ?? int.MaxValue;
        var runs = new List<RunRow>();
        while (true)
        {
            var size = Math.Min(RunListQuery.MaxLimit, wanted - runs.Count);
            var page = await store.ListRecentAsync(new RunListQuery(size, filter.Pipeline, statuses, filter.Since, filter.Until, before), ct).ConfigureAwait(false);
            runs.AddRange(page.Runs);
            before = page.Next;
            if (before is null || runs.Count >= wanted) return new RunPage(runs, before);
        }
    }

    /// <summary>A time a person or a query string gives: an ISO 8601 instant (<c>2026-12-01T08:00:00Z</c>) or a date (midnight UTC).</summary>
    public static DateTimeOffset? ParseTime(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)) return t;
        throw new DativoException($"{what} '{text}': not a time; write an ISO 8601 instant (2026-12-01T08:00:00Z) or a date (2026-12-01)");
    }

    /// <summary>One run as a JSON row (what <c>runs list --json</c> and <c>GET /api/runs</c> show).</summary>
    public static JsonObject Json(RunRecord r, DateTimeOffset now) => Json(RunRow.From(r), now);

    /// <summary>One run as a JSON row (what <c>runs list --json</c> and <c>GET /api/runs</c> show).</summary>
    public static JsonObject Json(RunRow r, DateTimeOffset now) => new()
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
    public static TimeSpan? Duration(RunRecord r, DateTimeOffset now) => Duration(r.StartedAt, r.EndedAt, r.Status, now);

    public static TimeSpan? Duration(RunRow r, DateTimeOffset now) => Duration(r.StartedAt, r.EndedAt, r.Status, now);

    private static TimeSpan? Duration(DateTimeOffset? started, DateTimeOffset? ended, string status, DateTimeOffset now) =>
        started is { } s ? (ended is { } e && e >= s ? e : RunStatus.IsTerminal(status) ? s : now) - s : null;
}
