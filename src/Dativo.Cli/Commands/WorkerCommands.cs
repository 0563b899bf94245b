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
        var cmd = new Command("worker", "Run queued runs (dativo pipeline submit) with other workers sharing a PostgreSQL or DynamoDB state store; runs of a dead worker are taken over") { state, pipelines, idle };
        cmd.SetAction(async (pr, ct) =>
        {
            var store = (StateStoreRunStore)PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var engine = PipelineServices.Engine(ctx, store, progress: true);
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
}
