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
        var all = new List<RunRecord>();
        await foreach (var r in store.ListRunsAsync(ct)) all.Add(r);
        var matches = all.Where(r => Matches(r.RunId, idOrPrefix)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new DativoException($"no run {idOrPrefix}: give a run id (<pipeline>/<correlation id>) or the short id of 'dativo runs list'; "
                + (all.Count == 0 ? "there are no runs" : "latest runs: " + string.Join(", ",
                    all.OrderByDescending(r => r.CreatedAt).Take(5).Select(r => $"{ShortId(r.RunId)} {r.RunId}")))),
            _ => throw new DativoException($"'{idOrPrefix}' matches {matches.Count} runs: "
                + string.Join(", ", matches.OrderBy(m => m.RunId, StringComparer.Ordinal).Take(10).Select(m => $"{ShortId(m.RunId)} {m.RunId}"))
                + (matches.Count > 10 ? ", ..." : "") + "; give more characters"),
        };
    }

    private static bool Matches(string runId, string prefix) =>
        (prefix.Length >= 4 && prefix.Length <= ShortIdLength && ShortId(runId).StartsWith(prefix.ToLowerInvariant(), StringComparison.Ordinal))
        || runId.StartsWith(prefix, StringComparison.Ordinal);
}
