using Dativo.Application.Pipelines;
using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;

namespace Dativo.Application.Runs;

/// <summary>Changing stored runs: retry (run again, skipping what succeeded), cancel, clear.</summary>
public static class RunActions
{
    /// <summary>The pipeline a retry of <paramref name="run"/> runs, with the run's parameters; a user error when it cannot be retried.</summary>
    public static LoadedPipeline PrepareRetry(AppContext app, RunRecord run)
    {
        if (run.Kind == "job")
            throw new DativoException($"run {run.RunId} is a 'dativo run' job; run it again with 'dativo run --config {run.PipelineFile}'");
        if (run.PipelineFile is null || !File.Exists(run.PipelineFile))
            throw new DativoException($"run {run.RunId}: its pipeline file {run.PipelineFile} is gone; run it with 'dativo pipeline run FILE --correlation-id {run.CorrelationId}'");
        return PipelineHost.Load(app, run.PipelineFile, run.Params.ToDictionary(kv => kv.Key, kv => kv.Value), run.DataParams);
    }

    /// <summary>Runs <paramref name="run"/> again under its correlation id: succeeded tasks and items are skipped, the rest run.</summary>
    public static Task<RunRecord> RetryAsync(RunEngine engine, LoadedPipeline pipeline, RunRecord run, CancellationToken ct) =>
        run.Kind == "backfill"
            ? Backfill.RunAsync(engine, pipeline, run.StartDate!, run.ExportDate!, run.CorrelationId, 1, ct)
            : engine.RunAsync(pipeline, new RunRequest(run.CorrelationId, run.ExportDate), ct);

    /// <summary>Asks the owner of a live run to stop it (a run whose owner died is marked cancelled); what happened, for a person.</summary>
    public static Task<string> CancelAsync(IRunStore store, RunRecord run, TimeProvider time, CancellationToken ct) =>
        RunAdmin.CancelAsync(store, run.RunId, time, ct);

    /// <summary>
    /// Forgets a run so its correlation id starts from scratch: <paramref name="given"/> is a run id, short id or prefix.
    /// A run still running is refused. Returns the run id and whether it existed.
    /// </summary>
    public static async Task<(string RunId, bool Existed)> ClearAsync(IRunStore store, string given, TimeProvider time, CancellationToken ct)
    {
        var run = await store.GetRunAsync(given, ct).ConfigureAwait(false) ?? await TryFindAsync(store, given, ct).ConfigureAwait(false);
        var runId = run?.RunId ?? given;
        if (run is not null && IsRunning(run, time))
            throw new DativoException($"run {runId} is still running; cancel it first ('dativo runs cancel {runId}')");
        return (runId, await store.DeleteRunAsync(runId, ct).ConfigureAwait(false));
    }

    /// <summary>The run a short id or prefix names, or null when none does (clear keeps its "no run" answer).</summary>
    private static async Task<RunRecord?> TryFindAsync(IRunStore store, string given, CancellationToken ct)
    {
        try
        {
            return await RunLookup.FindAsync(store, given, ct).ConfigureAwait(false); // one match, or an ambiguity error naming them
        }
        catch (DativoException e) when (e.Message.StartsWith("no run", StringComparison.Ordinal))
        {
            return null;
        }
    }

    private static bool IsRunning(RunRecord run, TimeProvider time) =>
        run.Status is RunStatus.Running or RunStatus.Queued && run.Owner is { } o
        && (o.Host != Environment.MachineName ? time.GetUtcNow() - o.HeartbeatAt < TimeSpan.FromMinutes(1)
            : ProcessKiller.IsAlive(o.Pid, o.StartTicks, o.Boot));
}
