using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// One worker of several sharing a state store (PostgreSQL or DynamoDB): takes queued runs whose owner is gone (never
/// claimed, finished, dead on this host, or whose lease ran out) and runs them. Taking a run is the compare-and-set of
/// its owner with the next fence, so two workers never both take it; a run whose worker died is resumed (succeeded items
/// stay done, interrupted ones run again) and the dead worker's fence can no longer write to it. With
/// <see cref="RunOptions.ItemLeases"/> set, a worker with nothing to take helps a live run: it claims and runs items of
/// the fan-out its owner is running (see RunSession.Shared).
/// </summary>
public sealed class RunWorker(RunEngine engine, RunQueue queue, Func<QueuedRun, LoadedPipeline> load, Action<string> log)
{
    private RunOptions O => engine.Options;

    /// <summary>How often an idle worker looks for work.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Only runs of pipeline files under this folder (null: any).</summary>
    public string? PipelinesDir { get; init; }

    /// <summary>
    /// Loops until cancelled (or, with <paramref name="exitWhenIdle"/>, until the queue is empty); returns the runs it finished.
    /// Once <paramref name="drain"/> is cancelled it takes nothing new and returns after the work in hand (which <paramref name="ct"/> cancels).
    /// </summary>
    public async Task<int> RunAsync(bool exitWhenIdle, CancellationToken ct, CancellationToken drain = default)
    {
        var finished = 0;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, drain);
        while (!ct.IsCancellationRequested && !drain.IsCancellationRequested)
        {
            var (ran, waiting) = await OnceAsync(ct);
            finished += ran;
            if (ran > 0) continue;
            if (exitWhenIdle && waiting == 0) return finished;
            try
            {
                await Task.Delay(Poll, O.Time, wait.Token);
            }
            catch (OperationCanceledException) when (drain.IsCancellationRequested && !ct.IsCancellationRequested)
            {
            }
        }
        return finished;
    }

    /// <summary>One pass over the queue: runs at most one run; returns (runs finished, entries still waiting or held by others).</summary>
    public async Task<(int Ran, int Waiting)> OnceAsync(CancellationToken ct)
    {
        var waiting = 0;
        var entries = new List<QueuedRun>();
        await foreach (var q in queue.ListAsync(ct)) entries.Add(q);
        foreach (var q in entries)
        {
            if (PipelinesDir is not null && !Path.GetFullPath(q.PipelineFile).StartsWith(Path.GetFullPath(PipelinesDir).TrimEnd('/') + "/", StringComparison.Ordinal))
                continue;
            var run = await O.Store.GetRunAsync(q.RunId, ct);
            if (q.FinishedBy(run))
            {
                await queue.RemoveAsync(q.RunId, ct);
                continue;
            }
            waiting++;
            var live = run is not null && RunOwnership.IsLive(run, O.Time, O.Heartbeat);
            if (live && (O.ItemLeases is null || !SharedTasks(run!).Any())) continue;
            LoadedPipeline pipeline;
            try
            {
                pipeline = load(q);
            }
            catch (DativoException e)
            {
                log($"worker: {q.RunId}: {e.Message}; left in the queue");
                continue;
            }
            if (live)
            {
                if (await HelpAsync(pipeline, run!, ct) > 0) return (0, waiting);
                continue;
            }
            log($"worker {Environment.ProcessId}: taking {q.RunId}" + (run is null ? "" : $" (#{run.RunCounter} {run.Status.ToLowerInvariant()}, owner gone)"));
            RunRecord result;
            try
            {
                result = await engine.RunAsync(pipeline, new RunRequest(q.CorrelationId, q.ExportDate), ct);
            }
            catch (DativoException e) when (e is not RunFencedException)
            {
                log($"worker {Environment.ProcessId}: {q.RunId}: {e.Message}"); // another worker took it first
                continue;
            }
            log($"worker {Environment.ProcessId}: {q.RunId} {result.Status.ToLowerInvariant()}{(result.Error is null ? "" : " - " + result.Error)}");
            if (q.FinishedBy(await O.Store.GetRunAsync(q.RunId, ct))) await queue.RemoveAsync(q.RunId, ct); // not when this worker was fenced off
            return (1, waiting - 1);
        }
        return (0, waiting);
    }

    /// <summary>Fan-out tasks of a run another worker owns whose items are open to every worker now.</summary>
    private static IEnumerable<string> SharedTasks(RunRecord run) =>
        run.Tasks.Where(kv => kv.Value is { Status: RunStatus.Running, SharedCounter: { } c } && c == run.RunCounter).Select(kv => kv.Key);

    /// <summary>Runs items of the run's shared tasks alongside their owner; how many it ran.</summary>
    private async Task<int> HelpAsync(LoadedPipeline pipeline, RunRecord run, CancellationToken ct)
    {
        var ran = 0;
        foreach (var task in SharedTasks(run).ToList())
        {
            if (pipeline.Tasks.All(t => t.Name != task)) continue;
            await using var session = new RunSession(engine, pipeline, run, ct);
            var n = await session.HelpAsync(task);
            if (n > 0) log($"worker {Environment.ProcessId}: ran {n} item(s) of {run.RunId} task {task} (owner pid {run.Owner?.Pid} on {run.Owner?.Host})");
            ran += n;
        }
        return ran;
    }
}
