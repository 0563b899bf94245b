using System.Text;
using Dativo.Core.Errors;
using Dativo.Orchestration.Runs;

namespace Dativo.Application.Runs;

/// <summary>Which attempts' logs to read: a task, a foreach item (dataset), an attempt number (else the latest).</summary>
public sealed record LogFilter(string? Task = null, string? Item = null, int? Attempt = null);

/// <summary>One attempt whose log can be read.</summary>
public sealed record LogSource(string Task, string? Item, AttemptRecord Attempt)
{
    public string Header => $"==> {Task}{(Item is null ? "" : $"[{Item}]")} attempt {Attempt.Number} ({Attempt.Outcome}) <==";
}

/// <summary>The attempt logs of stored runs.</summary>
public static class RunLogs
{
    /// <summary>
    /// The attempts the filter picks. An unknown task, item or attempt is a user error naming what exists; while
    /// <paramref name="waiting"/> (following a live run) an attempt that does not exist yet is simply not there yet.
    /// </summary>
    public static async Task<List<LogSource>> SelectAsync(IRunStore store, RunRecord run, LogFilter f, bool waiting, CancellationToken ct)
    {
        if (f.Attempt is < 1) throw new DativoException("attempt: attempts are numbered from 1");
        if (f.Task is not null && !run.Tasks.ContainsKey(f.Task))
            throw new DativoException($"run {run.RunId} has no task '{f.Task}'; its tasks: {string.Join(", ", run.Tasks.Keys)}");
        if (f.Item is not null)
        {
            var owners = run.Tasks.Where(kv => (f.Task is null || kv.Key == f.Task) && kv.Value.Datasets?.Contains(f.Item) == true).ToList();
            if (owners.Count == 0)
            {
                var items = run.Tasks.Where(kv => (f.Task is null || kv.Key == f.Task) && kv.Value.Datasets is not null)
                    .SelectMany(kv => kv.Value.Datasets!).Distinct().ToList();
                throw new DativoException($"run {run.RunId}{(f.Task is null ? "" : $" task '{f.Task}'")} has no item '{f.Item}'; "
                    + (items.Count == 0 ? "it has no foreach items (drop the item)" : $"its items: {List(items)}"));
            }
        }
        var sources = new List<LogSource>();
        var existing = new List<string>();
        foreach (var (name, t) in run.Tasks)
        {
            if (f.Task is not null && name != f.Task) continue;
            if (f.Item is not null && t.Datasets?.Contains(f.Item) != true) continue;
            foreach (var i in (await store.GetItemsAsync(run.RunId, name, ct).ConfigureAwait(false)).Values.OrderBy(i => i.Index))
            {
                if (f.Item is not null && i.Dataset != f.Item) continue;
                if (i.Attempts.Count > 0) existing.Add($"{name}{(i.Dataset is null ? "" : $"[{i.Dataset}]")} {string.Join(",", i.Attempts.Select(a => a.Number))}");
                var a = f.Attempt is { } n ? i.Attempts.FirstOrDefault(a => a.Number == n) : i.Attempts.LastOrDefault();
                if (a is not null) sources.Add(new LogSource(name, i.Dataset, a));
            }
        }
        if (sources.Count == 0 && !waiting)
        {
            var where = (f.Task is null ? "" : $" task '{f.Task}'") + (f.Item is null ? "" : $" item '{f.Item}'");
            throw new DativoException(f.Attempt is { } n && existing.Count > 0
                ? $"run {run.RunId}{where} has no attempt {n}; attempts there: {List(existing)}"
                : $"run {run.RunId}{where} has no attempts yet (status {run.Status})");
        }
        return sources;
    }

    /// <summary>
    /// What the attempt's log holds from <paramref name="offset"/>, at most <paramref name="maxBytes"/> (whole lines only unless
    /// <paramref name="final"/>), and the offset after it; null when the log is not on this machine.
    /// </summary>
    public static async Task<(string Text, long Next)?> ReadAsync(LogSource s, long offset, bool final, CancellationToken ct, int maxBytes = 4 << 20)
    {
        var path = s.Attempt.Log;
        if (path is null || !File.Exists(path)) return null;
        byte[] bytes;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            if (file.Length <= offset) return ("", offset);
            file.Position = offset;
            bytes = new byte[Math.Min(file.Length - offset, maxBytes)];
            await file.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
        }
        var length = final ? bytes.Length : Array.LastIndexOf(bytes, (byte)'\n') + 1;
        return (Encoding.UTF8.GetString(bytes, 0, length), offset + length);
    }

    /// <summary>Why an attempt has no readable log, for a person.</summary>
    public static string Missing(LogSource s) =>
        $"{s.Task}{(s.Item is null ? "" : $"[{s.Item}]")} attempt {s.Attempt.Number}: no log {(s.Attempt.Log is null ? "was recorded" : $"at {s.Attempt.Log} (written on another machine, or removed)")}";

    private static string List(IReadOnlyList<string> names) => string.Join("; ", names.Take(20)) + (names.Count > 20 ? $"; ... ({names.Count} in all)" : "");
}
