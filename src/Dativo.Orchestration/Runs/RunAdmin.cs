using Dativo.Core.Errors;

namespace Dativo.Orchestration.Runs;

/// <summary>Operations on stored runs: cancel and clear (the CYI admin jobs, scoped to one run).</summary>
public static class RunAdmin
{
    /// <summary>Asks the owner of a live run to cancel; a run whose owner died is marked cancelled directly.</summary>
    public static async Task<string> CancelAsync(IRunStore store, string runId, TimeProvider time, CancellationToken ct)
    {
        for (var i = 0; i < 20; i++)
        {
            var run = await store.GetRunAsync(runId, ct) ?? throw new DativoException($"no run {runId}; see 'dativo runs list'");
            if (RunStatus.IsTerminal(run.Status)) return $"run {runId} already {run.Status.ToLowerInvariant()}";
            var live = RunOwnership.IsLive(run, time, TimeSpan.FromSeconds(1));
            run.CancelRequested = true;
            if (!live)
            {
                run.Status = RunStatus.Cancelled;
                run.EndedAt = time.GetUtcNow();
                run.Error = "cancelled (its orchestrator was no longer running)";
            }
            if (!await store.TryPutRunAsync(run, TimeSpan.FromDays(7), ct)) continue;
            if (live) return $"cancel requested for {runId}; its attempts are being stopped";
            await Leftovers.StopAsync(store, run, ct);
            return $"run {runId} marked cancelled";
        }
        throw new DativoException($"run {runId} is changing too fast to cancel; try again");
    }

    public static async Task<RunRecord> GetAsync(IRunStore store, string runId, CancellationToken ct) =>
        await store.GetRunAsync(runId, ct) ?? throw new DativoException($"no run {runId}; run ids are <pipeline>/<correlation id> (see 'dativo runs list')");
}
