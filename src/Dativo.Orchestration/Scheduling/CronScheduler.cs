using System.Globalization;
using System.Text.Json;
using Dativo.Lake.State;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Scheduling;

/// <summary>
/// Fires a pipeline's cron schedule in its time zone. The last fired window is stored, so after downtime
/// the missed windows are caught up as configured: none (skip them), latest (run the most recent one) or
/// all (run each, oldest first). Each window is its own run, correlation <c>scheduled-&lt;local time&gt;</c>,
/// so firing a window twice resumes instead of duplicating.
/// </summary>
public sealed class CronScheduler(IStateStore state, TimeProvider time)
{
    public const string Namespace = "orchestration.schedules";
    public const int MaxCatchUp = 1000;

    /// <summary>Windows to run now, given the last fired window (null: never fired; nothing is caught up).</summary>
    public static List<DateTimeOffset> Due(ScheduleDefinition s, DateTimeOffset? lastFired, DateTimeOffset now, bool startup)
    {
        var cron = CronSchedules.Parse(s.Cron);
        CronSchedules.TryZone(s.Timezone, out var zone);
        var from = lastFired ?? now;
        var windows = cron.GetOccurrences(from.UtcDateTime, now.UtcDateTime, zone, fromInclusive: false, toInclusive: true)
            .Take(MaxCatchUp + 1).Select(d => new DateTimeOffset(d, TimeSpan.Zero)).ToList();
        if (!startup || windows.Count <= 1) return windows;
        return (s.CatchUp ?? "latest") switch
        {
            "none" => [],
            "all" => windows.Take(MaxCatchUp).ToList(),
            _ => [windows[^1]],
        };
    }

    public static RunRequest Request(ScheduleDefinition s, DateTimeOffset window)
    {
        CronSchedules.TryZone(s.Timezone, out var zone);
        var local = TimeZoneInfo.ConvertTime(window, zone);
        return new RunRequest(
            "scheduled-" + local.ToString("yyyy-MM-dd'T'HHmm", CultureInfo.InvariantCulture),
            local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    public async Task<DateTimeOffset?> LastFiredAsync(string pipeline, CancellationToken ct)
    {
        var e = await state.GetAsync(Namespace, pipeline, ct);
        return e is null ? null : JsonDocument.Parse(e.Json).RootElement.GetProperty("last_window").GetDateTimeOffset();
    }

    public Task SaveAsync(string pipeline, DateTimeOffset window, CancellationToken ct) =>
        state.PutAsync(Namespace, pipeline, JsonSerializer.Serialize(new Dictionary<string, DateTimeOffset> { ["last_window"] = window }), null, null, ct);

    /// <summary>Loops until cancelled: catches up on start, then sleeps (on <see cref="TimeProvider"/>) until each next window.</summary>
    public async Task RunAsync(LoadedPipeline pipeline, Func<RunRequest, CancellationToken, Task<RunRecord>> run, CancellationToken ct)
    {
        var s = pipeline.Definition.Schedule!;
        var cron = CronSchedules.Parse(s.Cron);
        CronSchedules.TryZone(s.Timezone, out var zone);
        var last = await LastFiredAsync(pipeline.Name, ct);
        var startup = true;
        if (last is null) await SaveAsync(pipeline.Name, time.GetUtcNow(), ct);
        last ??= time.GetUtcNow();
        while (!ct.IsCancellationRequested)
        {
            foreach (var w in Due(s, last, time.GetUtcNow(), startup))
            {
                try
                {
                    await run(Request(s, w), ct);
                }
                catch (Core.Errors.DativoException)
                {
                    // the run record holds the failure; the schedule goes on
                }
                last = w;
                await SaveAsync(pipeline.Name, w, ct);
            }
            if (startup)
            {
                // Windows skipped by catch_up none/latest count as handled.
                last = time.GetUtcNow() > last ? time.GetUtcNow() : last;
                await SaveAsync(pipeline.Name, last.Value, ct);
                startup = false;
            }
            var next = cron.GetNextOccurrence(last.Value.UtcDateTime, zone);
            if (next is null) return;
            var wait = new DateTimeOffset(next.Value, TimeSpan.Zero) - time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
        }
    }
}
