using System.Security.Cryptography;
using System.Text;
using Dativo.Core.Errors;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// Finding stored runs by what a person types: the full run id, or the short id <c>runs list</c> prints (the first
/// characters of a hash of the run id) or a prefix of the run id, when only one run matches.
/// </summary>
public static class RunLookup
{
    public const int ShortIdLength = 8;

    /// <summary>8 hex characters of SHA-256(run id): stable, fits any terminal, and a prefix of it works too.</summary>
    public static string ShortId(string runId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runId)), 0, ShortIdLength / 2);

    public static async Task<RunRecord> FindAsync(IRunStore store, string idOrPrefix, CancellationToken ct)
    {
        if (idOrPrefix.Length == 0) throw new DativoException("a run id is empty; see 'dativo runs list'");
        if (await store.GetRunAsync(idOrPrefix, ct) is { } exact) return exact;
        // the index rows (not the records) of every run, a page at a time
        var matches = new List<RunRow>();
        var latest = new List<RunRow>();
        RunCursor? next = null;
        do
        {
            var page = await store.ListRecentAsync(new RunListQuery(RunListQuery.MaxLimit, Before: next), ct);
            if (latest.Count == 0) latest.AddRange(page.Runs.Take(5));
            matches.AddRange(page.Runs.Where(r => Matches(r.RunId, idOrPrefix)));
            next = page.Next;
        }
        while (next is not null && matches.Count <= 10);
        if (matches.Count == 1 && await store.GetRunAsync(matches[0].RunId, ct) is { } found) return found;
        return matches.Count switch
        {
            0 or 1 => throw new DativoException($"no run {idOrPrefix}: give a run id (<pipeline>/<correlation id>) or the short id of 'dativo runs list'; "
                + (latest.Count == 0 ? "there are no runs" : "latest runs: " + string.Join(", ", latest.Select(r => $"{ShortId(r.RunId)} {r.RunId}")))),
            _ => throw new DativoException($"'{idOrPrefix}' matches {(matches.Count > 10 ? "more than 10" : matches.Count)} runs: "
                + string.Join(", ", matches.OrderBy(m => m.RunId, StringComparer.Ordinal).Take(10).Select(m => $"{ShortId(m.RunId)} {m.RunId}"))
                + (matches.Count > 10 ? ", ..." : "") + "; give more characters"),
        };
    }

    private static bool Matches(string runId, string prefix) =>
        (prefix.Length >= 4 && prefix.Length <= ShortIdLength && ShortId(runId).StartsWith(prefix.ToLowerInvariant(), StringComparison.Ordinal))
        || runId.StartsWith(prefix, StringComparison.Ordinal);
}
