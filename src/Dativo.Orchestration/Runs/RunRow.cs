using System.Globalization;
using System.Text.Json;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// What a list of runs shows of one run (the row of the run index): ids, status, times, error, and each task's status
/// (the dashboard grid's cells). Read from the index without reading the run record.
/// </summary>
public sealed class RunRow
{
    public string RunId { get; set; } = "";
    public string Pipeline { get; set; } = "";
    public string CorrelationId { get; set; } = "";
    public string? Kind { get; set; }
    public int RunCounter { get; set; }
    public string Status { get; set; } = RunStatus.Queued;
    public string? CurrentStep { get; set; }
    public string? ExportDate { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? Error { get; set; }

    /// <summary>Task name → status, in the run's task order.</summary>
    public Dictionary<string, string> Tasks { get; set; } = [];

    /// <summary>The time runs are listed by, newest first: started, else created.</summary>
    public DateTimeOffset ListedAt => StartedAt ?? CreatedAt;

    public static RunRow From(RunRecord r) => new()
    {
        RunId = r.RunId, Pipeline = r.Pipeline, CorrelationId = r.CorrelationId, Kind = r.Kind, RunCounter = r.RunCounter,
        Status = r.Status, CurrentStep = r.CurrentStep, ExportDate = r.ExportDate, CreatedAt = r.CreatedAt,
        StartedAt = r.StartedAt, EndedAt = r.EndedAt, Error = r.Error,
        Tasks = r.Tasks.ToDictionary(kv => kv.Key, kv => kv.Value.Status, StringComparer.Ordinal),
    };

    public string ToJson() => JsonSerializer.Serialize(this, StateStoreRunStore.Json);

    public static RunRow Parse(string json) => JsonSerializer.Deserialize<RunRow>(json, StateStoreRunStore.Json)
        ?? throw new JsonException("a run index row is null");
}

/// <summary>
/// Which runs to list: of one pipeline, with one of the statuses (any when empty), listed at <see cref="Since"/> ≤ t &lt;
/// <see cref="Until"/>, after the cursor <see cref="Before"/> (the <see cref="RunPage.Next"/> of the previous page), at most <see cref="Limit"/>.
/// </summary>
public sealed record RunListQuery(
    int Limit, string? Pipeline = null, IReadOnlyCollection<string>? Statuses = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null, RunCursor? Before = null)
{
    public const int MaxLimit = 1000;

    public bool Keeps(RunRow r) =>
        (Pipeline is null || r.Pipeline == Pipeline)
        && (Statuses is not { Count: > 0 } || Statuses.Contains(r.Status))
        && (Since is not { } s || r.ListedAt.ToUnixTimeMilliseconds() >= s.ToUnixTimeMilliseconds())
        && (Until is not { } u || r.ListedAt.ToUnixTimeMilliseconds() < u.ToUnixTimeMilliseconds())
        && (Before is not { } b || RunCursor.Of(r).CompareTo(b) > 0);
}

/// <summary>A position in the list order (listed time descending, then run id descending by code point); printed as <c>MS~RUN_ID</c>.</summary>
public sealed record RunCursor(long AtMs, string RunId)
{
    public static RunCursor Of(RunRow r) => new(Math.Max(0, r.ListedAt.ToUnixTimeMilliseconds()), r.RunId);

    /// <summary>Negative when this comes first in the list (newer, or as new with a greater run id).</summary>
    public int CompareTo(RunCursor other) =>
        AtMs != other.AtMs ? other.AtMs.CompareTo(AtMs) : Lake.State.StateKeys.Compare(other.RunId, RunId);

    public override string ToString() => AtMs.ToString(CultureInfo.InvariantCulture) + "~" + RunId;

    public static bool TryParse(string? text, out RunCursor? cursor)
    {
        cursor = null;
        var tilde = text?.IndexOf('~', StringComparison.Ordinal) ?? -1;
        if (tilde < 1 || tilde == text!.Length - 1) return false;
        if (!long.TryParse(text.AsSpan(0, tilde), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)) return false;
        cursor = new RunCursor(ms, text[(tilde + 1)..]);
        return true;
    }
}

/// <summary>A page of runs, newest first; <see cref="Next"/> continues the list (null at its end).</summary>
public sealed record RunPage(IReadOnlyList<RunRow> Runs, RunCursor? Next);

/// <summary>Listing without an index: reads every run (stores that have no <see cref="Lake.State.IStateIndex"/>).</summary>
public static class RunListing
{
    public static async Task<RunPage> ScanAsync(IRunStore store, RunListQuery q, CancellationToken ct)
    {
        var rows = new List<RunRow>();
        await foreach (var r in store.ListRunsAsync(ct).ConfigureAwait(false))
            if (RunRow.From(r) is var row && q.Keeps(row)) rows.Add(row);
        rows.Sort((a, b) => RunCursor.Of(a).CompareTo(RunCursor.Of(b)));
        return rows.Count <= q.Limit ? new RunPage(rows, null) : new RunPage(rows.Take(q.Limit).ToList(), RunCursor.Of(rows[q.Limit - 1]));
    }
}
