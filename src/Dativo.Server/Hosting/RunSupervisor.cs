using System.Collections.Concurrent;
using Dativo.Application.Pipelines;
using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dativo.Server.Hosting;

/// <summary>
/// The runs this server executes (triggered through the API, retried, or fired by a schedule). On stop, running runs get
/// <see cref="Config.ServerConfig.ShutdownGrace"/> to finish; the rest are cancelled, which checkpoints them (succeeded
/// tasks and items are kept, and a retry or the next start with the same correlation id resumes from there).
/// </summary>
public sealed class RunSupervisor(ServerContext server, ILogger<RunSupervisor> log) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private volatile bool _stopping;
    private readonly TaskCompletionSource _stoppingSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Running => _running.Count;

    /// <summary>Completes when a stop has begun (no new run starts from then on).</summary>
    public Task WhenStoppingAsync() => _stoppingSignal.Task;

    /// <summary>
    /// Starts a run and returns once it is recorded in the run store (so its id can be shown at once); a run that fails before
    /// it is recorded (a live copy, a bad dataset source) is that failure, as a user error.
    /// </summary>
    public async Task<string> StartAsync(LoadedPipeline pipeline, RunRequest request, Func<RunEngine, CancellationToken, Task<RunRecord>>? run = null)
    {
        if (_stopping) throw new ServiceUnavailableException("the server is shutting down; no new runs start");
        var correlation = request.CorrelationId ?? RunEngine.NewCorrelationId(server.Time);
        RunEngine.CheckCorrelationId(correlation);
        var runId = RunKeys.Of(pipeline.Name, correlation);
        if (server.Config.Workers > 0 && run is null) return await QueueAsync(pipeline, request with { CorrelationId = correlation }).ConfigureAwait(false);
        var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var engine = PipelineHost.Engine(server.App, server.Runs, e =>
        {
            if (e.RunId == runId) recorded.TrySetResult();
            if (e.Task is null) log.LogInformation("{Status} {RunId} {Message}", e.Status, e.RunId, e.Message);
        });
        var req = request with { CorrelationId = correlation };
        var task = Task.Run(() => run is null ? engine.RunAsync(pipeline, req, _stop.Token) : run(engine, _stop.Token));
        if (!_running.TryAdd(runId, task)) throw new DativoException($"run {runId} is already running in this server");
        _ = task.ContinueWith(t =>
        {
            _running.TryRemove(new KeyValuePair<string, Task>(runId, task));
            if (t.Exception is { } ex) log.LogWarning("run {RunId} ended with an error: {Error}", runId, ex.InnerException?.Message);
        }, TaskScheduler.Default);
        await Task.WhenAny(recorded.Task, task).ConfigureAwait(false);
        if (!recorded.Task.IsCompleted && task.IsFaulted) await task.ConfigureAwait(false); // rethrows what stopped it
        return runId;
    }

    /// <summary>
    /// With worker loops on (<c>serve --workers</c>): records the run as queued and queues it for whichever worker sharing the
    /// state store takes it first. A run whose owner is alive is refused, as in-process.
    /// </summary>
    private async Task<string> QueueAsync(LoadedPipeline pipeline, RunRequest request)
    {
        var runId = RunKeys.Of(pipeline.Name, request.CorrelationId!);
        var existing = await server.Runs.GetRunAsync(runId, CancellationToken.None).ConfigureAwait(false);
        if (existing is not null && RunOwnership.IsLive(existing, server.Time, TimeSpan.FromSeconds(1)))
            throw new DativoException($"run {runId} is still {existing.Status.ToLowerInvariant()}; wait for it or cancel it — a second copy is never started");
        if (existing is null)
            await server.Runs.TryPutRunAsync(new RunRecord
            {
                RunId = runId, Pipeline = pipeline.Name, CorrelationId = request.CorrelationId!, PipelineFile = pipeline.File, Status = RunStatus.Queued,
                CreatedAt = server.Time.GetUtcNow(), ExportDate = request.ExportDate, Params = new Dictionary<string, string>(pipeline.Params, StringComparer.Ordinal),
            }, pipeline.RunTtl, CancellationToken.None).ConfigureAwait(false); // shown at once; a worker takes it over (version check)
        var queued = new QueuedRun(pipeline.File, pipeline.Name, request.CorrelationId!, request.ExportDate, new Dictionary<string, string>(pipeline.Params, StringComparer.Ordinal), server.Time.GetUtcNow());
        if (!await new RunQueue(server.Runs.State).SubmitAsync(queued, CancellationToken.None).ConfigureAwait(false))
            log.LogInformation("run {RunId} is queued already", runId);
        else log.LogInformation("QUEUED {RunId} for the workers", runId);
        return runId;
    }

    /// <summary>Runs a scheduled or triggered run to its end (the scheduler waits for each), tracked like any other.</summary>
    public async Task<RunRecord> RunScheduledAsync(LoadedPipeline pipeline, RunRequest request, CancellationToken ct)
    {
        if (server.Config.Workers > 0)
        {
            var submitted = server.Time.GetUtcNow();
            var queued = await StartAsync(pipeline, request).ConfigureAwait(false);
            while (true) // a worker (here or elsewhere) runs it; the scheduler waits for its end as for an in-process run
            {
                var r = await server.Runs.GetRunAsync(queued, ct).ConfigureAwait(false);
                if (r is { EndedAt: { } ended } && RunStatus.IsTerminal(r.Status) && ended >= submitted) return r;
                await Task.Delay(TimeSpan.FromSeconds(1), server.Time, ct).ConfigureAwait(false);
            }
        }
        var id = await StartAsync(pipeline, request).ConfigureAwait(false);
        if (_running.TryGetValue(id, out var t)) await t.WaitAsync(ct).ConfigureAwait(false);
        return await server.Runs.GetRunAsync(id, ct).ConfigureAwait(false) ?? new RunRecord { RunId = id };
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _stoppingSignal.TrySetResult();
        var all = _running.Values.ToArray();
        if (all.Length == 0) return;
        log.LogWarning("stopping: {Count} run(s) still running get {Grace} to finish", all.Length, server.Config.ShutdownGrace);
        try
        {
            await Task.WhenAll(all).WaitAsync(server.Config.ShutdownGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            log.LogWarning("checkpointing {Count} run(s): cancelled; retry or restart resumes them", _running.Count);
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception) { } // a run's own failure is recorded in its run
        try { await Task.WhenAll(all).ConfigureAwait(false); } catch (Exception) { } // cancellation ends each before its next step
    }

    public void Dispose() => _stop.Dispose();
}

/// <summary>The server cannot take the request now (shutting down): 503.</summary>
public sealed class ServiceUnavailableException(string message) : DativoException(message);
