using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Application.Runs;
using Dativo.Core.Errors;
using Dativo.Orchestration.Alerts;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Scheduling;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo runs list|show|retry|cancel|clear|metrics</c>.</summary>
internal static class RunsCommands
{
    public static Command Create(CliContext ctx)
    {
        var state = PipelineServices.StateOption();
        var id = () => new Argument<string>("id") { Description = "run id (<pipeline>/<correlation id>) or its short id from 'dativo runs list'" };
        var json = CommonOptions.Json();

        var showId = id();
        var show = new Command("show", "Show a run with its per-item summary") { showId, state, json };
        show.SetAction(async (pr, ct) =>
        {
            var store = PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var run = await RunLookup.FindAsync(store, pr.GetValue(showId)!, ct);
            var d = await DescribeAsync(store, run, ct, ctx.Time);
            await ctx.Out.WriteLineAsync(pr.GetValue(json) ? IssueJson.Pretty(d.Json) : d.Text);
            return 0;
        });

        var retryId = id();
        var retry = new Command("retry", "Run a stored run again: succeeded tasks and items are skipped, the rest run") { retryId, state, json };
        retry.SetAction(async (pr, ct) =>
        {
            var store = PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var run = await RunLookup.FindAsync(store, pr.GetValue(retryId)!, ct);
            var p = RunActions.PrepareRetry(ctx.App, run);
            var result = await RunActions.RetryAsync(PipelineServices.Engine(ctx, store, progress: true), p, run, ct);
            var d = await DescribeAsync(store, result, ct, ctx.Time);
            await ctx.Out.WriteLineAsync(pr.GetValue(json) ? IssueJson.Pretty(d.Json) : d.Text);
            return d.ExitCode;
        });

        var cancelId = id();
        var cancel = new Command("cancel", "Cancel a running run: its attempts are stopped and their slots released") { cancelId, state };
        cancel.SetAction(async (pr, ct) =>
        {
            var store = PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var run = await RunLookup.FindAsync(store, pr.GetValue(cancelId)!, ct);
            var msg = await RunActions.CancelAsync(store, run, ctx.Time, ct);
            await ctx.Out.WriteLineAsync(msg);
            return 0;
        });

        var clearId = id();
        var clear = new Command("clear", "Forget a run so the same correlation id starts from scratch") { clearId, state };
        clear.SetAction(async (pr, ct) =>
        {
            var store = PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var (runId, existed) = await RunActions.ClearAsync(store, pr.GetValue(clearId)!, ctx.Time, ct);
            await ctx.Out.WriteLineAsync(existed ? $"cleared {runId}; the next run with this correlation id starts from scratch" : $"no run {runId}");
            return existed ? 0 : ExitCodes.UserError;
        });

        var metrics = new Command("metrics", "Print run metrics in the Prometheus text format") { state };
        metrics.SetAction(async (pr, ct) =>
        {
            var runs = await All(PipelineServices.OpenStore(ctx, pr.GetValue(state)), ct);
            await ctx.Out.WriteAsync(PrometheusMetrics.Render(runs, ctx.Time));
            return 0;
        });

        return new Command("runs", "Stored runs: list, show, logs, retry, cancel, clear, metrics")
            { RunsList.Create(ctx), show, RunsLogs.Create(ctx), retry, cancel, clear, metrics };
    }

    /// <summary><c>dativo pipeline schedule FILE</c>: fires the cron schedule and object-arrival triggers until stopped.</summary>
    public static Command Schedule(CliContext ctx)
    {
        var file = new Argument<FileInfo>("file") { Description = "pipeline file (YAML)" };
        var state = PipelineServices.StateOption();
        var cmd = new Command("schedule", "Run a pipeline on its schedule and triggers until stopped (Ctrl-C)") { file, state };
        cmd.SetAction(async (pr, ct) =>
        {
            var p = PipelineServices.Load(ctx, pr.GetValue(file)!.FullName);
            var store = (StateStoreRunStore)PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var engine = PipelineServices.Engine(ctx, store, progress: true);
            var loops = new List<Task>();
            if (p.Definition.Schedule is not null)
                loops.Add(new CronScheduler(store.State, ctx.Time).RunAsync(p, (req, c) => engine.RunAsync(p, req, c), ct));
            foreach (var t in p.Definition.Triggers)
                if (t.ObjectArrival is { Queue: { } queue } q)
                    loops.Add(new SqsArrivalTrigger(SqsClients.ForQueue(queue, ctx.Env), store, ctx.Time, p, q, m => ctx.Err.WriteLine(m)).RunAsync((req, c) => engine.RunAsync(p, req, c), ct));
                else if (t.ObjectArrival is { } a)
                    loops.Add(new ArrivalWatcher(store.State, ctx.Time, p, a).RunAsync((req, c) => engine.RunAsync(p, req, c), ct));
            if (loops.Count == 0) throw new DativoException($"pipeline '{p.Name}' has no schedule and no triggers");
            await ctx.Err.WriteLineAsync($"scheduling '{p.Name}' ({loops.Count} trigger(s)); Ctrl-C stops");
            try { await Task.WhenAll(loops); } catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            return 0;
        });
        return cmd;
    }

    private static async Task<List<RunRecord>> All(IRunStore store, CancellationToken ct)
    {
        var list = new List<RunRecord>();
        await foreach (var r in store.ListRunsAsync(ct)) list.Add(r);
        return list;
    }

    /// <summary>The run, its tasks with their summaries, and the run summary over all foreach items.</summary>
    public static Task<RunDescription> DescribeAsync(IRunStore store, RunRecord run, CancellationToken ct, TimeProvider? time = null) =>
        RunDescription.BuildAsync(store, run, time ?? TimeProvider.System, ct);
}
