using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
            if (run.Kind == "job")
                throw new DativoException($"run {run.RunId} is a 'dativo run' job; run it again with 'dativo run --config {run.PipelineFile}'");
            if (run.PipelineFile is null || !File.Exists(run.PipelineFile))
                throw new DativoException($"run {run.RunId}: its pipeline file {run.PipelineFile} is gone; run it with 'dativo pipeline run FILE --correlation-id {run.CorrelationId}'");
            var p = PipelineServices.Load(ctx, run.PipelineFile, run.Params.ToDictionary(kv => kv.Key, kv => kv.Value), run.DataParams);
            var engine = PipelineServices.Engine(ctx, store, progress: true);
            var result = run.Kind == "backfill"
                ? await Backfill.RunAsync(engine, p, run.StartDate!, run.ExportDate!, run.CorrelationId, 1, ct)
                : await engine.RunAsync(p, new RunRequest(run.CorrelationId, run.ExportDate), ct);
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
            var msg = await RunAdmin.CancelAsync(store, run.RunId, ctx.Time, ct);
            await ctx.Out.WriteLineAsync(msg);
            return 0;
        });

        var clearId = id();
        var clear = new Command("clear", "Forget a run so the same correlation id starts from scratch") { clearId, state };
        clear.SetAction(async (pr, ct) =>
        {
            var store = PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var given = pr.GetValue(clearId)!;
            var run = await store.GetRunAsync(given, ct) ?? await TryFindAsync(store, given, ct);
            var runId = run?.RunId ?? given;
            if (run is not null && RunOwnershipCheck(run, ctx))
                throw new DativoException($"run {runId} is still running; cancel it first ('dativo runs cancel {runId}')");
            var existed = await store.DeleteRunAsync(runId, ct);
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

    /// <summary>The run a short id or prefix names, or null when none does (clear keeps its "no run" answer).</summary>
    private static async Task<RunRecord?> TryFindAsync(IRunStore store, string given, CancellationToken ct)
    {
        await foreach (var r in store.ListRunsAsync(ct))
            if (r.RunId.StartsWith(given, StringComparison.Ordinal) || (given.Length >= 4 && RunLookup.ShortId(r.RunId).StartsWith(given, StringComparison.OrdinalIgnoreCase)))
                return await RunLookup.FindAsync(store, given, ct); // one match, or an ambiguity error naming them
        return null;
    }

    private static bool RunOwnershipCheck(RunRecord run, CliContext ctx) =>
        run.Status is RunStatus.Running or RunStatus.Queued && run.Owner is { } o
        && (o.Host != Environment.MachineName ? ctx.Time.GetUtcNow() - o.HeartbeatAt < TimeSpan.FromMinutes(1)
            : Orchestration.Tasks.ProcessKiller.IsAlive(o.Pid, o.StartTicks, o.Boot));

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

    private static JsonObject Brief(RunRecord r, DateTimeOffset now) => RunsList.Json(r, now);

    public sealed record Description(JsonObject Json, string Text, int ExitCode);

    /// <summary>The run, its tasks with their summaries, and the run summary over all foreach items.</summary>
    public static async Task<Description> DescribeAsync(IRunStore store, RunRecord run, CancellationToken ct, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var o = Brief(run, now);
        o["resumed_from"] = run.ResumedFrom;
        o["parent_id"] = run.ParentId;
        o["params"] = JsonSerializer.SerializeToNode(run.Params);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"run {run.RunId} #{run.RunCounter}: {run.Status}{(run.Error is null ? "" : " - " + run.Error)}\n");
        text.Append(CultureInfo.InvariantCulture, $"  short id {RunLookup.ShortId(run.RunId)}, started {CliFormat.Instant(run.StartedAt)}, ended {CliFormat.Instant(run.EndedAt)}\n");
        var allItems = new List<ItemRecord>();
        var summaryItems = new List<(string Task, ItemRecord Item)>();
        if (run.Kind == "backfill")
        {
            var children = new JsonArray();
            foreach (var c in run.Children)
            {
                var child = await store.GetRunAsync(c, ct);
                children.Add(child is null ? new JsonObject { ["run_id"] = c, ["status"] = RunStatus.Pending } : Brief(child, now));
                text.Append(CultureInfo.InvariantCulture, $"  {c,-50} {child?.Status ?? RunStatus.Pending}\n");
                if (child?.Status == RunStatus.Succeeded) allItems.Add(new ItemRecord { Status = RunStatus.Succeeded });
            }
            o["children"] = children;
        }
        var tasks = new JsonObject();
        foreach (var (name, t) in run.Tasks)
        {
            var items = (await store.GetItemsAsync(run.RunId, name, ct)).Values.OrderBy(i => i.Index).ToList();
            allItems.AddRange(items);
            var to = new JsonObject
            {
                ["status"] = t.Status,
                ["started_at"] = CliFormat.InstantPrecise(t.StartedAt),
                ["ended_at"] = CliFormat.InstantPrecise(t.EndedAt),
                ["error"] = t.Error,
            };
            if (t.Datasets is not null)
            {
                to["dataset_source"] = t.DatasetSource;
                to["summary"] = RunSummary.Build(items);
                summaryItems.AddRange(items.Select(i => (name, i)));
            }
            else
            {
                to["outputs"] = JsonSerializer.SerializeToNode(t.Outputs);
                to["attempts"] = JsonSerializer.SerializeToNode(items.FirstOrDefault()?.Attempts ?? [], StateStoreRunStore.Json);
            }
            tasks[name] = to;
            text.Append(CultureInfo.InvariantCulture, $"  {name,-24} {t.Status,-10}");
            if (t.Datasets is not null)
                text.Append(CultureInfo.InvariantCulture, $" {items.Count(i => i.Status == RunStatus.Succeeded)}/{items.Count} succeeded, {items.Count(i => i.Status == RunStatus.Failed)} failed, {items.Count(i => i.Status == RunStatus.TimedOut)} timed out");
            if (t.Error is not null) text.Append(" - ").Append(t.Error);
            text.Append('\n');
        }
        o["tasks"] = tasks;
        // The run summary: every foreach item (or every task, for a pipeline without foreach).
        o["summary"] = summaryItems.Count > 0
            ? Merge(summaryItems)
            : RunSummary.Build(run.Tasks.Select((kv, i) => new ItemRecord { Index = i, Dataset = kv.Key, Status = kv.Value.Status, Error = kv.Value.Error }));
        var exit = run.Status is RunStatus.Succeeded or RunStatus.Skipped ? 0 : run.Status == RunStatus.Cancelled ? 130 : allItems.Any(i => i.Status == RunStatus.Succeeded) ? 1 : 2;
        return new Description(o, text.ToString().TrimEnd(), exit);
    }

    private static JsonObject Merge(List<(string Task, ItemRecord Item)> items)
    {
        var single = items.Select(i => i.Task).Distinct().Count() == 1;
        var total = RunSummary.Build(items.Select((x, i) => x.Item));
        if (!single)
        {
            var list = new JsonArray();
            foreach (var g in items.GroupBy(i => i.Task))
                foreach (var n in RunSummary.Build(g.Select(x => x.Item), g.Key)["items"]!.AsArray()) list.Add(n!.DeepClone());
            total["items"] = list;
        }
        return total;
    }
}
