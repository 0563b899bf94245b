using System.Net;
using Dativo.Testing.Services;
using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Orchestration.Alerts;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Dativo.Orchestration.Tests;

/// <summary>Durable runs: the CYI state machine cases (run counter, resume from the failed step, full restart), cancel, backfill, triggers, alerts.</summary>
public sealed class RunStateTests
{
    private const string Steps = """
        name: cyi
        tasks:
          - {name: courtesy-flush, type: scripted}
          - {name: run-cyi, type: scripted, depends_on: [courtesy-flush]}
          - {name: flush-pushgateway, type: scripted, depends_on: [run-cyi], trigger_rule: all_done}
        """;

    [Fact]
    public async Task Cyi_cases_first_run_failure_resume_and_full_restart()
    {
        var exec = new ScriptedExecutor(TimeProvider.System);
        using var h = new EngineHarness(register: r => r.Register("scripted", exec));
        var p = h.Load(Steps);

        // "first run fails in run-cyi": Run_Id 1, FAILED, CurrentStep run-cyi.
        exec.Script["run-cyi"] = new(["fail"]);
        var first = await h.RunAsync(p, "corr-1");
        Assert.Equal((1, RunStatus.Failed, "run-cyi"), (first.RunCounter, first.Status, first.CurrentStep));
        Assert.Equal(RunStatus.Succeeded, first.Tasks["flush-pushgateway"].Status); // all_done still runs

        // "re-run same correlation id after failure": Run_Id 2, resumes from run-cyi; earlier steps are not run again.
        var calls = exec.Calls.Count;
        var second = await h.RunAsync(p, "corr-1");
        Assert.Equal((2, RunStatus.Succeeded, "run-cyi"), (second.RunCounter, second.Status, second.ResumedFrom));
        Assert.Equal(["run-cyi", "flush-pushgateway"], exec.Calls.Skip(calls).Select(c => c.Key));

        // "re-run after success": Run_Id 3, nothing left to do.
        calls = exec.Calls.Count;
        var third = await h.RunAsync(p, "corr-1");
        Assert.Equal((3, RunStatus.Succeeded), (third.RunCounter, third.Status));
        Assert.Equal(calls, exec.Calls.Count);

        // "full restart (clear then start)": Run_Id 1 and every step runs.
        Assert.True(await h.Store.DeleteRunAsync(third.RunId, default));
        var fresh = await h.RunAsync(p, "corr-1");
        Assert.Equal((1, RunStatus.Succeeded), (fresh.RunCounter, fresh.Status));
        Assert.Equal(3, exec.Calls.Count - calls);
    }

    [Fact]
    public async Task A_cancel_request_stops_running_attempts_and_releases_their_slots()
    {
        var exec = new ScriptedExecutor(TimeProvider.System);
        foreach (var d in new[] { "a", "b", "c", "d" }) exec.Script[d] = new(["hang"]);
        using var h = new EngineHarness(register: r => r.Register("scripted", exec));
        var p = h.Load("""
            name: p
            tasks:
              - {name: t, type: scripted, concurrency: 2, foreach: {sources: [{values: [a, b, c, d]}]}}
            """);
        var run = h.RunAsync(p, "c");
        while (exec.Calls.Count < 2) await Task.Delay(10);
        var msg = await RunAdmin.CancelAsync(h.Store, "p/c", TimeProvider.System, default);
        Assert.Contains("cancel requested", msg);
        var done = await run.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(RunStatus.Cancelled, done.Status);
        Assert.Equal(2, exec.CancelledKeys.Count);
        var items = await h.ItemsAsync(done.RunId, "t");
        Assert.All(items, i => Assert.Equal(RunStatus.Cancelled, i.Status));
        Assert.Equal(2, items.Count(i => i.Attempts.Count == 0)); // never started: slots were never leaked
    }

    [Fact]
    public async Task A_live_run_is_never_started_twice()
    {
        var exec = new ScriptedExecutor(TimeProvider.System);
        exec.Script["a"] = new(["hang"]);
        using var h = new EngineHarness(register: r => r.Register("scripted", exec));
        var p = h.Load("name: p\ntasks:\n  - {name: t, type: scripted, foreach: {sources: [{values: [a]}]}}\n");
        using var cts = new CancellationTokenSource();
        var run = h.RunAsync(p, "c", cts.Token);
        while (exec.Calls.IsEmpty) await Task.Delay(10);
        var e = await Assert.ThrowsAsync<DativoException>(() => h.RunAsync(p, "c"));
        Assert.Contains("a second copy is never started", e.Message);
        await cts.CancelAsync();
        Assert.Equal(RunStatus.Cancelled, (await run).Status);
    }

    [Fact]
    public async Task Backfill_of_a_pipeline_limited_to_one_run_does_not_wait_on_itself()
    {
        using var h = new EngineHarness();
        var p = h.Load("""
            name: daily
            concurrency: {limit: 1, behavior: queue}
            tasks:
              - {name: load, type: command, command: [bash, -c, 'echo "$DATIVO_EXPORT_DATE" >> days.txt']}
            """);
        var parent = await Backfill.RunAsync(h.Engine, p, "2021-03-30", "2021-04-01", "bf", 1, default).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(RunStatus.Succeeded, parent.Status);
        Assert.Equal(["2021-03-30", "2021-03-31", "2021-04-01"], File.ReadAllLines(Path.Combine(h.Dir.Path, "days.txt")));
    }

    [Fact]
    public async Task Backfill_runs_each_day_as_a_child_run()
    {
        var exec = new ScriptedExecutor(TimeProvider.System);
        using var h = new EngineHarness(register: r => r.Register("scripted", exec));
        var p = h.Load("""
            name: cyi
            tasks:
              - name: load
                type: command
                command: [bash, -c, 'echo "$DATIVO_EXPORT_DATE" >> days.txt']
            """);
        var parent = await Backfill.RunAsync(h.Engine, p, "2021-03-30", "2021-04-01", "bf", 2, default);
        Assert.Equal(RunStatus.Succeeded, parent.Status);
        Assert.Equal(["cyi/bf.2021-03-30", "cyi/bf.2021-03-31", "cyi/bf.2021-04-01"], parent.Children);
        Assert.Equal(["2021-03-30", "2021-03-31", "2021-04-01"], File.ReadAllLines(Path.Combine(h.Dir.Path, "days.txt")).Order());
        var child = await h.Store.GetRunAsync("cyi/bf.2021-03-31", default);
        Assert.Equal(("2021-03-31", "cyi/bf"), (child!.ExportDate, child.ParentId));
        // Again: every day already succeeded, nothing runs twice.
        await Backfill.RunAsync(h.Engine, p, "2021-03-30", "2021-04-01", "bf", 2, default);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(h.Dir.Path, "days.txt")).Length);
    }

    [Fact]
    public async Task Files_of_one_date_start_one_run_after_settling_and_late_files_rerun()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2021, 4, 2, 1, 0, 0, TimeSpan.Zero));
        using var h = new EngineHarness(clock);
        var p = h.Load("""
            name: cyi
            triggers:
              - object_arrival: {location: in, prefix: "cyi/{date:yyyy-MM-dd}/", settle: 2m}
            tasks:
              - {name: t, type: command, command: ["true"]}
            """);
        var w = new ArrivalWatcher(h.State, clock, p, p.Definition.Triggers[0].ObjectArrival!);
        h.Dir.File("in/cyi/2021-04-01/a.json.gz", "1");
        h.Dir.File("in/cyi/2021-04-01/b.json.gz", "2");
        h.Dir.File("in/cyi/2021-04-01x/stray.json", "x"); // not under the date prefix (trailing slash matters)
        h.Dir.File("in/other/2021-04-01/c.json", "3");
        Assert.Empty(await w.PollAsync(default));           // first sight
        clock.Advance(TimeSpan.FromMinutes(1));
        h.Dir.File("in/cyi/2021-04-01/c.json.gz", "3");     // still arriving: the settle window restarts
        Assert.Empty(await w.PollAsync(default));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await w.PollAsync(default));
        clock.Advance(TimeSpan.FromMinutes(1));
        var due = await w.PollAsync(default);
        Assert.Equal([new RunRequest("arrival-2021-04-01", "2021-04-01", "2021-04-01")], due);
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await w.PollAsync(default));           // one run per date, not per file
        h.Dir.File("in/cyi/2021-04-01/late.json.gz", "4");
        Assert.Empty(await w.PollAsync(default));
        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal([new RunRequest("arrival-2021-04-01-r2", "2021-04-01", "2021-04-01")], await w.PollAsync(default));
    }

    [Fact]
    public async Task Failure_alerts_post_a_slack_compatible_message()
    {
        var port = ServiceProcesses.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var received = Task.Run(async () =>
        {
            var c = await listener.GetContextAsync();
            using var reader = new StreamReader(c.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            c.Response.StatusCode = 200;
            c.Response.Close();
            return body;
        });
        var exec = new ScriptedExecutor(TimeProvider.System);
        exec.Script["t"] = new(["fail"]);
        using var h = new EngineHarness(register: r => r.Register("scripted", exec));
        using var http = new HttpClient();
        var engine = new RunEngine(new RunOptions
        {
            Store = h.Store, Registry = h.Registry, LogRoot = h.Dir.Path, Env = _ => null,
            Alerts = new WebhookAlerts(http),
        });
        var p = h.Load($"name: p\nalerts:\n  - webhook: http://127.0.0.1:{port}/hook/\ntasks:\n  - {{name: t, type: scripted}}\n");
        var run = await engine.RunAsync(p, new RunRequest("c"), default);
        Assert.Equal(RunStatus.Failed, run.Status);
        var json = JsonNode.Parse(await received.WaitAsync(TimeSpan.FromSeconds(30)))!;
        Assert.Contains("p/c", (string)json["text"]!);
        Assert.Contains("FAILED", (string)json["text"]!);
        Assert.Equal("t", (string)json["run"]!["current_step"]!);
    }

    [Fact]
    public async Task Metrics_use_the_prometheus_text_format()
    {
        var exec = new ScriptedExecutor(TimeProvider.System);
        exec.Script["t"] = new(["fail"]);
        using var h = new EngineHarness(register: r => r.Register("scripted", exec));
        await h.RunAsync(h.Load("name: p\ntasks:\n  - {name: t, type: scripted}\n"), "c");
        var runs = new List<RunRecord>();
        await foreach (var r in h.Store.ListRunsAsync(default)) runs.Add(r);
        var text = PrometheusMetrics.Render(runs, TimeProvider.System);
        Assert.Contains("# TYPE dativo_run_status gauge", text);
        Assert.Matches("dativo_run_status\\{pipeline=\"p\",correlation_id=\"c\",export_date=\"\\d{4}-\\d{2}-\\d{2}\",run_counter=\"1\"\\} 3", text);
        Assert.Contains("dativo_queue_depth{pipeline=\"p\"} 0", text);
        Assert.Matches("dativo_task_duration_seconds\\{pipeline=\"p\",correlation_id=\"c\",task=\"t\",status=\"FAILED\"\\} [0-9.]+", text);
    }

}
