using System.CommandLine;
using Dativo.Core.Errors;
using Dativo.Orchestration.Runs;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo pipeline submit FILE</c> queues a run in the shared state store; <c>dativo worker</c> runs queued runs,
/// several workers (processes, hosts) sharing one PostgreSQL or DynamoDB store.
/// </summary>
internal static class WorkerCommands
{
    public static Command Submit(CliContext ctx)
    {
        var file = new Argument<FileInfo>("file") { Description = "pipeline file (YAML)" };
        var correlation = new Option<string>("--correlation-id") { Description = "run key with the pipeline name (default: a new one)" };
        var exportDate = new Option<string>("--export-date") { Description = "the date the run is for (yyyy-MM-dd)" };
        var sets = new Option<string[]>("--set") { Description = "override a declared param: --set key=value (repeatable)" };
        var state = PipelineServices.StateOption();
        var cmd = new Command("submit", "Queue a run for 'dativo worker' processes sharing the state store; prints the run id") { file, correlation, exportDate, sets, state };
        cmd.SetAction(async (pr, ct) =>
        {
            var path = pr.GetValue(file)!.FullName;
            var overrides = PipelineServices.ParseSets(pr.GetValue(sets));
            var p = PipelineServices.Load(ctx, path, overrides); // a broken pipeline fails here, not in a worker
            if (pr.GetValue(exportDate) is { } d) Backfill.ParseDate(d, "--export-date");
            var id = pr.GetValue(correlation) ?? RunEngine.NewCorrelationId(ctx.Time);
            RunEngine.CheckCorrelationId(id);
            var store = (StateStoreRunStore)PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var queued = new QueuedRun(path, p.Name, id, pr.GetValue(exportDate), overrides, ctx.Time.GetUtcNow());
            if (!await new RunQueue(store.State).SubmitAsync(queued, ct))
                await ctx.Err.WriteLineAsync($"{queued.RunId} is queued already");
            await ctx.Out.WriteLineAsync(queued.RunId);
            return ExitCodes.Success;
        });
        return cmd;
    }

    public static Command Worker(CliContext ctx)
    {
        var state = PipelineServices.StateOption();
        var pipelines = new Option<DirectoryInfo>("--pipelines") { Description = "only take runs of pipeline files under this folder" };
        var idle = new Option<bool>("--exit-when-idle") { Description = "exit once no queued run is left (default: wait for more)" };
        var lease = new Option<string>("--lease") { Description = "how long a worker's heartbeat holds a run or a fan-out item (default 30s); a dead worker's work is taken over after it" };
        var slots = new Option<int?>("--slots") { Description = "items of a shared fan-out this worker runs at once (default: up to the task's concurrency)" };
        var cmd = new Command("worker", "Run queued runs (dativo pipeline submit) with other workers sharing a state store (PostgreSQL, DynamoDB, or one SQLite file); idle workers take items of a running fan-out; a dead worker's work is taken over")
            { state, pipelines, idle, lease, slots };
        cmd.SetAction(async (pr, ct) =>
        {
            var store = (StateStoreRunStore)PipelineServices.OpenStore(ctx, pr.GetValue(state));
            if (pr.GetValue(slots) is < 1) throw new DativoException("--slots: write a whole number ≥ 1");
            var engine = PipelineServices.WorkerEngine(ctx, store, ParseLease(pr.GetValue(lease)), pr.GetValue(slots));
            var worker = new RunWorker(engine, new RunQueue(store.State), q => PipelineServices.Load(ctx, q.PipelineFile, q.Params), m => ctx.Err.WriteLine(m))
            {
                PipelinesDir = pr.GetValue(pipelines)?.FullName,
            };
            await ctx.Err.WriteLineAsync($"worker {Environment.ProcessId} started; Ctrl-C stops");
            try
            {
                var n = await worker.RunAsync(pr.GetValue(idle), ct);
                await ctx.Err.WriteLineAsync($"worker {Environment.ProcessId}: {n} run(s), queue empty");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            return ExitCodes.Success;
        });
        return cmd;
    }

    public static TimeSpan? ParseLease(string? text)
    {
        if (text is null) return null;
        if (Orchestration.Pipelines.Durations.TryParse(text, out var d) && d >= TimeSpan.FromMilliseconds(300)) return d;
        throw new DativoException($"--lease '{text}': write a duration of at least 300ms, e.g. 30s or 2m");
    }
}
