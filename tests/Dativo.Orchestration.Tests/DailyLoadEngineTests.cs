using Dativo.Core.Config;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Tests;

/// <summary>The engine parts the daily load (issue #15) added: a skipped outcome, relaunch, the day a files task works on.</summary>
public sealed class DailyLoadEngineTests
{
    [Fact]
    public async Task An_empty_day_is_skipped_with_its_prefix_not_retried_and_the_all_done_step_still_runs()
    {
        using var h = new EngineHarness();
        Directory.CreateDirectory(Path.Combine(h.Dir.Path, "in", "cyi", "2021-04-01x")); // not the day: the prefix ends at '/'
        File.WriteAllText(Path.Combine(h.Dir.Path, "in", "cyi", "2021-04-01x", "f.json"), "x\n");
        var p = h.Load($$$"""
            name: daily
            relaunch: {max_retries: 3}
            tasks:
              - {name: list_files, type: files, with: {action: list, source: "{{{h.Dir.Path}}}/in", prefix: "cyi/{date}/"}}
              - {name: after, type: command, depends_on: [list_files], command: [touch, "{{{h.Dir.Path}}}/after-ran"]}
              - {name: record, type: command, depends_on: [after], trigger_rule: all_done, command: [touch, "{{{h.Dir.Path}}}/record-ran"]}
            """);
        var run = await h.Engine.RunAsync(p, new RunRequest("d1", "2021-04-02"), default);
        Assert.Equal(RunStatus.Skipped, run.Status);
        Assert.Equal($"task list_files: no files for 2021-04-01 under {h.Dir.Path}/in/cyi/2021-04-01/; the day is skipped", run.Error);
        Assert.Single((await h.ItemsAsync(run.RunId, "list_files")).Single().Attempts); // a skip is not relaunched
        Assert.Equal((RunStatus.Skipped, RunStatus.Succeeded), (run.Tasks["after"].Status, run.Tasks["record"].Status));
        Assert.False(File.Exists(Path.Combine(h.Dir.Path, "after-ran")));
        Assert.True(File.Exists(Path.Combine(h.Dir.Path, "record-ran")));
    }

    [Fact]
    public void Relaunch_gives_every_step_its_retries_except_the_steps_not_to_retry_and_a_steps_own_retry()
    {
        using var h = new EngineHarness();
        var p = h.Load("""
            name: p
            relaunch: {max_retries: 2, backoff: 5s, steps_not_to_retry: [b]}
            tasks:
              - {name: a, type: command, command: ["true"]}
              - {name: b, type: command, command: ["true"], depends_on: [a]}
              - {name: c, type: command, command: ["true"], depends_on: [b], retry: {max_attempts: 5}}
            """);
        Assert.Equal((3, "5s"), (p.Task("a").Retry!.MaxAttempts!.Value, p.Task("a").Retry!.Backoff!));
        Assert.Null(p.Task("b").Retry);
        Assert.Equal(5, p.Task("c").Retry!.MaxAttempts);

        var e = Assert.Throws<ConfigException>(() => h.Load("name: p\nrelaunch: {max_retries: 1, steps_not_to_retry: [lod]}\ntasks:\n  - {name: load, type: command, command: [\"true\"]}\n"));
        Assert.Contains("relaunch.steps_not_to_retry[0]: unknown task 'lod' (did you mean 'load'?)", e.Message);
    }

    [Theory]
    [InlineData(null, "2021-04-01")]          // export date minus day_offset (default 1)
    [InlineData("2021-04-02", "2021-04-02")]  // a run started for a day (backfill day, arrival) processes that day
    public async Task The_day_is_the_export_date_minus_the_offset_unless_the_run_is_for_a_day(string? startDate, string day)
    {
        using var h = new EngineHarness();
        var p = h.Load($$$"""
            name: p
            tasks:
              - {name: clear, type: files, with: {action: clear, staging: "{{{h.Dir.Path}}}/staging/date_str={date}"}}
            """);
        var run = await h.Engine.RunAsync(p, new RunRequest("c", "2021-04-02", startDate), default);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(day, run.Tasks["clear"].Outputs!["date"]);
        Assert.True(Directory.Exists(Path.Combine(h.Dir.Path, "staging", "date_str=" + day)));
    }
}
