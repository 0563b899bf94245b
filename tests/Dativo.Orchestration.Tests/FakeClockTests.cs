using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Dativo.Orchestration.Tests;

/// <summary>Timeouts, backoff and cron on a fake clock: nothing waits for real time.</summary>
public sealed class FakeClockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 28, 23, 0, 0, TimeSpan.Zero);

    private static async Task<RunRecord> Drive(Task<RunRecord> run, FakeTimeProvider clock, TimeSpan step)
    {
        for (var i = 0; i < 100_000 && !run.IsCompleted; i++)
        {
            await Task.Delay(2);
            clock.Advance(step);
        }
        return await run;
    }

    [Fact]
    public async Task A_hanging_attempt_times_out_is_cancelled_and_retried_with_backoff()
    {
        var clock = new FakeTimeProvider(T0);
        var exec = new ScriptedExecutor(clock);
        exec.Script["a"] = new(["hang", "fail", "ok"]);
        using var h = new EngineHarness(clock, r => r.Register("scripted", exec));
        var p = h.Load("""
            name: p
            tasks:
              - name: t
                type: scripted
                foreach: {sources: [{values: [a, b]}]}
                timeout: 15m
                retry: {max_attempts: 3, backoff: 10s, multiplier: 2}
            """);
        var run = await Drive(h.RunAsync(p, "c"), clock, TimeSpan.FromSeconds(1));
        Assert.Equal(RunStatus.Succeeded, run.Status);
        var a = (await h.ItemsAsync(run.RunId, "t"))[0];
        Assert.Equal([RunStatus.TimedOut, RunStatus.Failed, RunStatus.Succeeded], a.Attempts.Select(x => x.Outcome));
        Assert.Equal(["a"], exec.CancelledKeys);
        // The timeout fires at 15 minutes of (fake) time; the delays are 10 s then 20 s (the clock keeps stepping while the test observes).
        Assert.InRange(a.Attempts[0].EndedAt!.Value - a.Attempts[0].StartedAt, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(15.5));
        Assert.InRange(a.Attempts[1].StartedAt - a.Attempts[0].EndedAt!.Value, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
        Assert.InRange(a.Attempts[2].StartedAt - a.Attempts[1].EndedAt!.Value, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
        Assert.All(a.Attempts, x => Assert.StartsWith("dtv-", x.IdempotencyKey));
        Assert.Equal(3, a.Attempts.Select(x => x.IdempotencyKey).Distinct().Count());
    }

    [Fact]
    public async Task Max_duration_stops_retrying()
    {
        var clock = new FakeTimeProvider(T0);
        var exec = new ScriptedExecutor(clock);
        exec.Script["a"] = new(["fail", "fail", "fail", "fail", "ok"]);
        using var h = new EngineHarness(clock, r => r.Register("scripted", exec));
        var p = h.Load("""
            name: p
            tasks:
              - name: t
                type: scripted
                foreach: {sources: [{values: [a]}]}
                retry: {max_attempts: 10, backoff: 1m, multiplier: 1, max_duration: 150s}
            """);
        var run = await Drive(h.RunAsync(p, "c"), clock, TimeSpan.FromSeconds(5));
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(3, (await h.ItemsAsync(run.RunId, "t"))[0].Attempts.Count);
    }

    [Fact]
    public async Task Pipeline_timeout_cancels_running_work_and_times_the_run_out()
    {
        var clock = new FakeTimeProvider(T0);
        var exec = new ScriptedExecutor(clock);
        exec.Script["a"] = new(["hang"]);
        using var h = new EngineHarness(clock, r => r.Register("scripted", exec));
        var p = h.Load("""
            name: p
            timeout: 1h
            tasks:
              - {name: t, type: scripted, foreach: {sources: [{values: [a, b]}]}}
              - {name: after, type: scripted, depends_on: [t], trigger_rule: all_done}
            """);
        var run = await Drive(h.RunAsync(p, "c"), clock, TimeSpan.FromMinutes(1));
        Assert.Equal(RunStatus.TimedOut, run.Status);
        Assert.Equal(["a"], exec.CancelledKeys);
        var items = await h.ItemsAsync(run.RunId, "t");
        Assert.Equal([RunStatus.Cancelled, RunStatus.Succeeded], items.Select(i => i.Status));
    }

    private static ScheduleDefinition Daily(string catchUp) => new() { Cron = "0 2 * * *", Timezone = "Europe/London", CatchUp = catchUp };

    [Fact]
    public void Cron_windows_follow_the_time_zone_across_daylight_saving()
    {
        // London moves to BST on 2026-03-29: 02:00 local is 02:00Z before, 01:00Z after.
        var due = CronScheduler.Due(Daily("all"), new DateTimeOffset(2026, 3, 27, 3, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 31, 3, 0, 0, TimeSpan.Zero), startup: true);
        Assert.Equal([
            new DateTimeOffset(2026, 3, 28, 2, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 30, 1, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 31, 1, 0, 0, TimeSpan.Zero)], due);
        Assert.Equal("scheduled-2026-03-30T0200", CronScheduler.Request(Daily("all"), due[2]).CorrelationId);
        Assert.Equal("2026-03-30", CronScheduler.Request(Daily("all"), due[2]).ExportDate);
    }

    [Theory]
    [InlineData("none", 0)]
    [InlineData("latest", 1)]
    [InlineData("all", 4)]
    public void Catch_up_after_downtime(string mode, int expected)
    {
        var due = CronScheduler.Due(Daily(mode), new DateTimeOffset(2026, 3, 27, 3, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 31, 3, 0, 0, TimeSpan.Zero), startup: true);
        Assert.Equal(expected, due.Count);
        if (mode == "latest") Assert.Equal(new DateTimeOffset(2026, 3, 31, 1, 0, 0, TimeSpan.Zero), due[0]);
    }

    [Fact]
    public async Task Scheduler_catches_up_on_restart_then_fires_each_window()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        using var h = new EngineHarness(clock);
        var p = h.Load("""
            name: daily
            schedule: {cron: "0 2 * * *", timezone: UTC, catch_up: all}
            tasks:
              - {name: t, type: command, command: ["true"]}
            """);
        var scheduler = new CronScheduler(h.State, clock);
        await scheduler.SaveAsync("daily", new DateTimeOffset(2026, 4, 28, 2, 0, 0, TimeSpan.Zero), default);
        var fired = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var cts = new CancellationTokenSource();
        var loop = scheduler.RunAsync(p, (req, ct) =>
        {
            fired.Enqueue(req.ExportDate!);
            return Task.FromResult(new RunRecord { Status = RunStatus.Succeeded });
        }, cts.Token);
        for (var i = 0; i < 200 && fired.Count < 3; i++) await Task.Delay(5);
        Assert.Equal(["2026-04-29", "2026-04-30", "2026-05-01"], fired);
        for (var i = 0; i < 2000 && fired.Count < 4; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            await Task.Delay(1);
        }
        Assert.Equal("2026-05-02", fired.Last());
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
        Assert.True(await scheduler.LastFiredAsync("daily", default) >= new DateTimeOffset(2026, 5, 2, 2, 0, 0, TimeSpan.Zero));
    }
}
