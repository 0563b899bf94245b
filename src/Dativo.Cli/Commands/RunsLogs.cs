using System.CommandLine;
using System.Text;
using Dativo.Core.Errors;
using Dativo.Orchestration.Runs;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo runs logs ID [--task T] [--item I] [--attempt N] [--follow]</c>: the logs of a run's attempts (by default the
/// latest attempt of every task and item). With several attempts, or <c>--follow</c>, each block is headed by
/// <c>==&gt; task[item] attempt N (STATUS) &lt;==</c>. <c>--follow</c> polls the run store and the log files until the run ends.
/// </summary>
internal static class RunsLogs
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private sealed record Filter(string? Task, string? Item, int? Attempt);

    private sealed record Source(string Task, string? Item, AttemptRecord Attempt)
    {
        public string Header => $"==> {Task}{(Item is null ? "" : $"[{Item}]")} attempt {Attempt.Number} ({Attempt.Outcome}) <==";
    }

    public static Command Create(CliContext ctx)
    {
        var id = new Argument<string>("id") { Description = "run id (<pipeline>/<correlation id>) or its short id from 'dativo runs list'" };
        var state = PipelineServices.StateOption();
        var task = new Option<string>("--task") { Description = "only this task" };
        var item = new Option<string>("--item") { Description = "only this foreach item (dataset)" };
        var attempt = new Option<int?>("--attempt") { Description = "this attempt number instead of the latest" };
        var follow = new Option<bool>("--follow", "-f") { Description = "keep printing new lines until the run ends" };
        var cmd = new Command("logs", "Print the logs of a run's attempts (latest attempt of every task and item by default)") { id, state, task, item, attempt, follow };
        cmd.SetAction(async (pr, ct) =>
        {
            var store = PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var run = await RunLookup.FindAsync(store, pr.GetValue(id)!, ct);
            var filter = new Filter(pr.GetValue(task), pr.GetValue(item), pr.GetValue(attempt));
            if (filter.Attempt is < 1) throw new DativoException("--attempt: attempts are numbered from 1");
            if (!pr.GetValue(follow))
            {
                var sources = await SelectAsync(store, run, filter, waiting: false, ct);
                var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var s in sources)
                {
                    if (sources.Count > 1) await ctx.Out.WriteLineAsync((s == sources[0] ? "" : "\n") + s.Header);
                    await CopyAsync(ctx, s, offsets, final: true, ct);
                }
                return 0;
            }
            try
            {
                await FollowAsync(ctx, store, run.RunId, filter, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 130;
            }
            return 0;
        });
        return cmd;
    }

    private static async Task FollowAsync(CliContext ctx, IRunStore store, string runId, Filter filter, CancellationToken ct)
    {
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        string? current = null;
        while (true)
        {
            var run = await store.GetRunAsync(runId, ct) ?? throw new DativoException($"run {runId} was cleared while following it");
            // A run whose orchestrator died stays RUNNING in the store: stop following it rather than wait forever.
            var over = RunStatus.IsTerminal(run.Status) || !RunOwnership.IsLive(run, ctx.Time, TimeSpan.FromSeconds(5));
            foreach (var s in await SelectAsync(store, run, filter, waiting: !over, ct))
            {
                var header = current == s.Attempt.Log ? null : (current is null ? "" : "\n") + s.Header;
                if (await CopyAsync(ctx, s, offsets, final: over, ct, header)) current = s.Attempt.Log;
            }
            if (over)
            {
                if (!RunStatus.IsTerminal(run.Status))
                    await ctx.Err.WriteLineAsync($"run {runId} is {run.Status.ToLowerInvariant()} but its orchestrator is gone; stopped following");
                await ctx.Out.FlushAsync(ct);
                return;
            }
            await ctx.Out.FlushAsync(ct);
            await Task.Delay(Poll, ctx.Time, ct);
        }
    }

    /// <summary>Writes what the attempt's log has beyond its offset: whole lines only, unless <paramref name="final"/>. True when something was written.</summary>
    private static async Task<bool> CopyAsync(CliContext ctx, Source s, Dictionary<string, long> offsets, bool final, CancellationToken ct, string? header = null)
    {
        var path = s.Attempt.Log;
        if (path is null || !File.Exists(path))
        {
            if (final && offsets.TryAdd(path ?? s.Header, -1))
                await ctx.Err.WriteLineAsync($"{s.Task}{(s.Item is null ? "" : $"[{s.Item}]")} attempt {s.Attempt.Number}: no log {(path is null ? "was recorded" : $"at {path} (written on another machine, or removed)")}");
            return false;
        }
        var offset = offsets.GetValueOrDefault(path);
        if (offset < 0) return false;
        byte[] bytes;
        await using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            if (f.Length <= offset) return false;
            f.Position = offset;
            bytes = new byte[f.Length - offset];
            await f.ReadExactlyAsync(bytes, ct);
        }
        var length = final ? bytes.Length : Array.LastIndexOf(bytes, (byte)'\n') + 1;
        if (length == 0) return false;
        offsets[path] = offset + length;
        if (header is not null) await ctx.Out.WriteLineAsync(header);
        var text = Encoding.UTF8.GetString(bytes, 0, length);
        await ctx.Out.WriteAsync(text);
        if (final && !text.EndsWith('\n')) await ctx.Out.WriteLineAsync();
        return true;
    }

    /// <summary>
    /// The attempts the filter picks. An unknown task, item or attempt is a user error naming what exists; while
    /// <paramref name="waiting"/> (following a live run) an attempt that does not exist yet is simply not there yet.
    /// </summary>
    private static async Task<List<Source>> SelectAsync(IRunStore store, RunRecord run, Filter f, bool waiting, CancellationToken ct)
    {
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
                    + (items.Count == 0 ? "it has no foreach items (drop --item)" : $"its items: {List(items)}"));
            }
        }
        var sources = new List<Source>();
        var existing = new List<string>();
        foreach (var (name, t) in run.Tasks)
        {
            if (f.Task is not null && name != f.Task) continue;
            if (f.Item is not null && t.Datasets?.Contains(f.Item) != true) continue;
            foreach (var i in (await store.GetItemsAsync(run.RunId, name, ct)).Values.OrderBy(i => i.Index))
            {
                if (f.Item is not null && i.Dataset != f.Item) continue;
                if (i.Attempts.Count > 0) existing.Add($"{name}{(i.Dataset is null ? "" : $"[{i.Dataset}]")} {string.Join(",", i.Attempts.Select(a => a.Number))}");
                var a = f.Attempt is { } n ? i.Attempts.FirstOrDefault(a => a.Number == n) : i.Attempts.LastOrDefault();
                if (a is not null) sources.Add(new Source(name, i.Dataset, a));
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

    private static string List(IReadOnlyList<string> names) => string.Join("; ", names.Take(20)) + (names.Count > 20 ? $"; ... ({names.Count} in all)" : "");
}
