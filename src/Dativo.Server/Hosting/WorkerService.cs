using Dativo.Application.Pipelines;
using Dativo.Orchestration.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dativo.Server.Hosting;

/// <summary>
/// <c>dativo serve --workers N</c>: N worker loops in the server process, taking queued runs (the API queues runs when
/// workers are on) and items of fan-outs other workers run, like <c>dativo worker</c> processes on the same state store.
/// On stop the loops take nothing new; what they run gets <see cref="Config.ServerConfig.ShutdownGrace"/> to finish, then
/// it is cancelled: a run is checkpointed, a helped item's lease is given back, and other workers carry on with them.
/// </summary>
public sealed class WorkerService(ServerContext server, ILogger<WorkerService> log) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _drain = new();
    private readonly CancellationTokenSource _hard = new();
    private readonly List<Task> _loops = [];

    public int Loops => _loops.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < server.Config.Workers; i++)
        {
            var engine = PipelineHost.WorkerEngine(server.App, server.Runs, e =>
            {
                if (e.Task is null || (e.Dataset is not null && e.Message is not null))
                    log.LogInformation("{Status} {RunId} {Task} {Dataset} {Message}", e.Status, e.RunId, e.Task, e.Dataset, e.Message);
            });
            var worker = new RunWorker(engine, new RunQueue(server.Runs.State), q => PipelineHost.Load(server.App, q.PipelineFile, q.Params),
                m => log.LogInformation("{Message}", m))
            {
                PipelinesDir = server.Config.Resolve(server.Config.Pipelines),
            };
            _loops.Add(Task.Run(() => LoopAsync(worker), CancellationToken.None));
        }
        if (_loops.Count > 0) log.LogInformation("{Count} worker loop(s) take queued runs and shared fan-out items", _loops.Count);
        return Task.CompletedTask;
    }

    private async Task LoopAsync(RunWorker worker)
    {
        try
        {
            await worker.RunAsync(exitWhenIdle: false, _hard.Token, _drain.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_hard.IsCancellationRequested || _drain.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.LogError("a worker loop stopped: {Error}", e.Message);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loops.Count == 0) return;
        await _drain.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).WaitAsync(server.Config.ShutdownGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            log.LogWarning("worker loops: cancelling what still runs after {Grace}; it is resumed by another worker", server.Config.ShutdownGrace);
            await _hard.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _drain.Dispose();
        _hard.Dispose();
    }
}
