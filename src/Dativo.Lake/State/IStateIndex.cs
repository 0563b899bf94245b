namespace Dativo.Lake.State;

/// <summary>
/// An index over the entries of a namespace, ordered by a time, newest first (ties: key, descending), with a group
/// (e.g. a pipeline), a status and a small JSON summary — so "the newest 100" reads 100 index rows, not every entry.
/// The entry and its index row are written together (one transaction on SQL; on DynamoDB the row first, then the entry,
/// and every row a query returns is checked against its entry's version and corrected from the entry). Entries
/// written without a row (by <see cref="IStateStore.PutAsync"/>, or before the index existed) are indexed by the
/// next query through <paramref name="project"/>.
/// </summary>
public interface IStateIndex
{
    /// <summary><see cref="IStateStore.PutAsync"/> that also (re)writes the entry's index row.</summary>
    Task<StatePutResult> PutIndexedAsync(string ns, string key, string json, StateIndexEntry index, long? expectedVersion = null, TimeSpan? ttl = null, CancellationToken ct = default);

    /// <summary>
    /// One page of index rows, newest first. <paramref name="project"/> derives a row from an entry (null: not listed);
    /// it indexes entries that have no row yet and corrects rows that disagree with their entry.
    /// </summary>
    Task<StateIndexPage> QueryIndexAsync(string ns, StateIndexQuery query, Func<StateEntry, StateIndexEntry?> project, CancellationToken ct = default);
}

/// <summary>What an entry is listed by. <see cref="Summary"/> is JSON, returned as written.</summary>
public sealed record StateIndexEntry(DateTimeOffset At, string Group, string Status, string Summary)
{
    public long AtMs => Math.Max(0, At.ToUnixTimeMilliseconds());
}

/// <summary>
/// Which rows: at most <see cref="Limit"/>; of one <see cref="Group"/>; with one of <see cref="Statuses"/>;
/// <see cref="Since"/> ≤ time &lt; <see cref="Until"/>; strictly after <see cref="Before"/> in the order (the next page).
/// </summary>
public sealed record StateIndexQuery(
    int Limit, string? Group = null, IReadOnlyCollection<string>? Statuses = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null, StateIndexCursor? Before = null)
{
    public const int MaxLimit = 1000;

    public void Validate()
    {
        if (Limit is < 1 or > MaxLimit) throw new ArgumentOutOfRangeException(nameof(Limit), $"limit must be 1..{MaxLimit}");
        if (Statuses is { Count: > 50 }) throw new ArgumentOutOfRangeException(nameof(Statuses), "at most 50 statuses");
    }

    internal bool Keeps(StateIndexRow r) =>
        (Group is null || r.Group == Group)
        && (Statuses is not { Count: > 0 } || Statuses.Contains(r.Status))
        && (Since is not { } s || r.AtMs >= s.ToUnixTimeMilliseconds())
        && (Until is not { } u || r.AtMs < u.ToUnixTimeMilliseconds())
        && (Before is not { } b || r.SortsAfter(b));
}

/// <summary>A position in the index order: the time and key of the last row of a page.</summary>
public sealed record StateIndexCursor(long AtMs, string Key);

public sealed record StateIndexRow(string Key, long AtMs, string Group, string Status, string Summary, long Version)
{
    public StateIndexCursor Cursor => new(AtMs, Key);

    /// <summary>Whether this row comes after <paramref name="c"/> in the order (older, or as old with a smaller key).</summary>
    internal bool SortsAfter(StateIndexCursor c) => AtMs < c.AtMs || (AtMs == c.AtMs && StateKeys.Compare(Key, c.Key) < 0);

    internal static int NewestFirst(StateIndexRow a, StateIndexRow b) =>
        a.AtMs != b.AtMs ? b.AtMs.CompareTo(a.AtMs) : StateKeys.Compare(b.Key, a.Key);
}

/// <summary>Rows in order; <see cref="Next"/> continues after the last one, null when there are no more.</summary>
public sealed record StateIndexPage(IReadOnlyList<StateIndexRow> Rows, StateIndexCursor? Next);

/// <summary>Limits of index rows every backend shares (DynamoDB's sort key holds the time and the key in 1,024 bytes).</summary>
internal static class StateIndexChecks
{
    public const int MaxKeyBytes = 1000;
    public const int MaxSummaryBytes = 64 * 1024;

    public static void Validate(string key, StateIndexEntry row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (System.Text.Encoding.UTF8.GetByteCount(key) > MaxKeyBytes) throw new ArgumentException($"an indexed state key is at most {MaxKeyBytes} UTF-8 bytes", nameof(key));
        if (row.Group.Length > 0) StateKeys.Validate("index", row.Group);
        if (row.Status.Length > 0) StateKeys.Validate("index", row.Status);
        StateKeys.ValidateJson(row.Summary);
        if (System.Text.Encoding.UTF8.GetByteCount(row.Summary) > MaxSummaryBytes) throw new ArgumentException($"an index summary is at most {MaxSummaryBytes / 1024} KB", nameof(row));
    }
}
