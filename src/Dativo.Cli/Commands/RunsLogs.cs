using System.CommandLine;
using Dativo.Application.Runs;
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
            var filter = new LogFilter(pr.GetValue(task), pr.GetValue(item), pr.GetValue(attempt));
            if (filter.Attempt is < 1) throw new DativoException("--attempt: attempts are numbered from 1");
            if (!pr.GetValue(follow))
            {
                var sources = await RunLogs.SelectAsync(store, run, filter, waiting: false, ct);
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

    private static async Task FollowAsync(CliContext ctx, IRunStore store, string runId, LogFilter filter, CancellationToken ct)
    {
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        string? current = null;
        while (true)
        {
            var run = await store.GetRunAsync(runId, ct) ?? throw new DativoException($"run {runId} was cleared while following it");
            // A run whose orchestrator died stays RUNNING in the store: stop following it rather than wait forever.
            var over = RunStatus.IsTerminal(run.Status) || !RunOwnership.IsLive(run, ctx.Time, TimeSpan.FromSeconds(5));
            foreach (var s in await RunLogs.SelectAsync(store, run, filter, waiting: !over, ct))
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
    private static async Task<bool> CopyAsync(CliContext ctx, LogSource s, Dictionary<string, long> offsets, bool final, CancellationToken ct, string? header = null)
    {
        var path = s.Attempt.Log;
        var offset = offsets.GetValueOrDefault(path ?? s.Header);
        if (offset < 0) return false;
        if (await RunLogs.ReadAsync(s, offset, final, ct, maxBytes: int.MaxValue) is not { } read)
        {
            if (final && offsets.TryAdd(path ?? s.Header, -1)) await ctx.Err.WriteLineAsync(RunLogs.Missing(s));
            return false;
        }
        if (read.Text.Length == 0) return false;
        offsets[path!] = read.Next;
        if (header is not null) await ctx.Out.WriteLineAsync(header);
        var text = read.Text;
        await ctx.Out.WriteAsync(text);
        if (final && !text.EndsWith('\n')) await ctx.Out.WriteLineAsync();
        return true;
    }
}
