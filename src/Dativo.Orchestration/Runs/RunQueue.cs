using System.Runtime.CompilerServices;
using System.Text.Json;
using Dativo.Lake.State;
using Dativo.Orchestration.Tasks;

namespace Dativo.Orchestration.Runs;

/// <summary>A run waiting for a worker: the pipeline file (absolute), its run key and what the run is for.</summary>
public sealed record QueuedRun(string PipelineFile, string Pipeline, string CorrelationId, string? ExportDate, Dictionary<string, string> Params, DateTimeOffset SubmittedAt)
{
    /// <summary>Whether <paramref name="run"/> is this submission's outcome: finished after it was submitted (a re-submitted failed run runs again).</summary>
    public bool FinishedBy(RunRecord? run) => run is { EndedAt: { } ended } && RunStatus.IsTerminal(run.Status) && ended >= SubmittedAt;

    public string RunId => RunKeys.Of(Pipeline, CorrelationId);
}

/// <summary>
/// Runs submitted for workers (namespace <c>orchestration.queue</c>, one entry per run id, so submitting the same run twice
/// queues it once). An entry stays until its run is finished; which worker runs it is decided on the run record itself
/// (compare-and-set of its owner), not here.
/// </summary>
public sealed class RunQueue(IStateStore state)
{
    public const string Namespace = "orchestration.queue";

    /// <summary>False when the run is queued already.</summary>
    public async Task<bool> SubmitAsync(QueuedRun run, CancellationToken ct) =>
        (await state.PutAsync(Namespace, run.RunId, JsonSerializer.Serialize(run, StateStoreRunStore.Json), expectedVersion: 0, ttl: null, ct)).Succeeded;

    public async IAsyncEnumerable<QueuedRun> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var e in state.ListAsync(Namespace, "", ct))
            yield return JsonSerializer.Deserialize<QueuedRun>(e.Json, StateStoreRunStore.Json)!;
    }

    public Task<bool> RemoveAsync(string runId, CancellationToken ct) => state.DeleteAsync(Namespace, runId, null, ct);
}
