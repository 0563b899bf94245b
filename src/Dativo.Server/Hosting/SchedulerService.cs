using Dativo.Orchestration.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dativo.Server.Hosting;

/// <summary>
/// The schedules (cron) and object-arrival triggers of every valid pipeline in the pipelines folder, as
/// <c>dativo pipeline schedule</c> runs them for one pipeline; the runs go through the <see cref="RunSupervisor"/>.
/// </summary>
public sealed class SchedulerService(ServerContext server, RunSupervisor runs, ILogger<SchedulerService> log) : BackgroundService
{
    public int Loops { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!server.Config.Schedule) return;
        var loops = new List<Task>();
        foreach (var entry in server.Pipelines.List())
        {
            if (entry.Pipeline is not { } p)
            {
                log.LogWarning("pipeline file {File} is invalid and is not scheduled: {Issues}", entry.File, string.Join("; ", entry.Issues));
                continue;
            }
            if (p.Definition.Schedule is not null)
                loops.Add(new CronScheduler(server.Runs.State, server.Time).RunAsync(p, (req, c) => runs.RunScheduledAsync(p, req, c), stoppingToken));
            foreach (var t in p.Definition.Triggers)
                if (t.ObjectArrival is { } a)
                    loops.Add(new ArrivalWatcher(server.Runs.State, server.Time, p, a).RunAsync((req, c) => runs.RunScheduledAsync(p, req, c), stoppingToken));
        }
        Loops = loops.Count;
        if (loops.Count > 0) log.LogInformation("scheduling {Count} schedule(s) and trigger(s)", loops.Count);
        try { await Task.WhenAll(loops).ConfigureAwait(false); }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
