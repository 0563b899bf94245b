using System.Diagnostics;
using System.Text.Json.Nodes;
using Dativo.Lake.State;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Orchestration.Tests;

/// <summary>Several workers on one PostgreSQL state store: runs taken over from a dead worker, stale owners fenced off.</summary>
public sealed class WorkerTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    /// <summary>Item "a" waits until the test lets it finish; the others succeed at once.</summary>
    private sealed class GateExecutor : ITaskExecutor
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Validate(TaskDefinition task, TaskIssues issues) { }

        public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
        {
            if (inv.Dataset != "a") return TaskOutcome.Ok();
            Started.TrySetResult();
            await Release.Task.WaitAsync(ct);
            return TaskOutcome.Ok();
        }
    }

    [SkippableFact]
    public async Task An_owner_whose_run_was_taken_over_can_no_longer_write_the_run_or_its_items()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        var gate = new GateExecutor();
        using var h = new EngineHarness(register: r => r.Register("gate", gate), stateUri: db.ConnectionString);
        var p = h.Load("""
            name: fenced
            tasks:
              - {name: t, type: gate, foreach: {sources: [{values: [a, b]}]}}
            """);
        var running = h.RunAsync(p, "f1");
        await gate.Started.Task;

        // another worker (another host) takes the run over, as after a lease expiry: the next fence
        // (compare-and-set, retried while the first owner's heartbeat moves the version)
        RunRecord run;
        do
        {
            run = (await h.Store.GetRunAsync("fenced/f1", default))!;
            Assert.Equal(1, run.Owner!.Fence);
            run.Owner = new RunOwner("another-host", 4242, DateTimeOffset.UtcNow, Fence: 2, LeaseUntil: DateTimeOffset.UtcNow.AddHours(1));
        }
        while (!await h.Store.TryPutRunAsync(run, TimeSpan.FromDays(1), default));
        var itemsAtTakeover = JsonNode.Parse((await h.State.ListAsync(StateStoreRunStore.ItemsNamespace, "fenced/f1|").SingleAsync()).Json)!;

        gate.Release.SetResult();
        var stale = await running;
        Assert.Equal(RunStatus.Cancelled, stale.Status);
        Assert.Contains("taken over by another worker (fence 2, this worker held 1)", stale.Error);

        var stored = (await h.Store.GetRunAsync("fenced/f1", default))!;
        Assert.Equal(("another-host", 2L, RunStatus.Running), (stored.Owner!.Host, stored.Owner.Fence, stored.Status));
        var items = JsonNode.Parse((await h.State.ListAsync(StateStoreRunStore.ItemsNamespace, "fenced/f1|").SingleAsync()).Json)!;
        Assert.Equal(itemsAtTakeover.ToJsonString(), items.ToJsonString()); // the stale owner's result of "a" was refused
        Assert.Equal(RunStatus.Running, (await h.ItemsAsync("fenced/f1", "t")).Single(i => i.Dataset == "a").Status);
    }

    [SkippableFact]
    public async Task Two_worker_processes_one_sigkilled_mid_task_finish_the_run_with_each_item_succeeding_once()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        using var dir = new TempDir();
        const int n = 12;
        var marks = Directory.CreateDirectory(Path.Combine(dir.Path, "marks")).FullName;
        var go = Path.Combine(dir.Path, "go"); // items d04.. wait for it: the kill finds them mid-task, never between work and record
        dir.File("p.yaml", $$$"""
            name: shared
            tasks:
              - name: work
                type: command
                concurrency: 2
                foreach: {sources: [{values: [{{{string.Join(", ", Enumerable.Range(0, n).Select(i => $"d{i:D2}"))}}}]}]}
                env: {D: "{{ dataset }}"}
                command: [bash, -c, 'echo start >> {{{marks}}}/$D; case $D in d0[0-3]) ;; *) until [ -e {{{go}}} ]; do sleep 0.05; done;; esac; echo done >> {{{marks}}}/$D']
            """);
        var state = db.ConnectionString;
        var submitted = await CliRunner.RunAsync(dir.Path, "pipeline", "submit", "p.yaml", "--correlation-id", "w1", "--state", state);
        Assert.True(submitted.ExitCode == 0, submitted.All);
        Assert.Equal("shared/w1", submitted.Stdout.Trim());

        using var a = CliRunner.Start(dir.Path, ["worker", "--state", state, "--exit-when-idle"]);
        using var b = CliRunner.Start(dir.Path, ["worker", "--state", state, "--exit-when-idle"]);
        var outputs = new[] { a, b }.Select(p => (Err: p.StandardError.ReadToEndAsync(), Out: p.StandardOutput.ReadToEndAsync())).ToArray();
        var store = new StateStoreRunStore(StateStores.Open(new StateStoreOptions { Uri = state }));

        // kill whichever worker owns the run once both its slots are held by gated items and every finished item is recorded
        List<string> Lines(string f) => [.. File.ReadAllLines(f)];
        async Task<bool> ReadyAsync()
        {
            var files = Directory.GetFiles(marks);
            var done = files.Count(f => Lines(f).Contains("done"));
            var recorded = (await store.GetItemsAsync("shared/w1", "work", default)).Values.Count(i => i.Status == RunStatus.Succeeded);
            return files.Count(f => !Lines(f).Contains("done")) == 2 && done == recorded;
        }
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!await ReadyAsync() && DateTime.UtcNow < deadline) await Task.Delay(50);
        var owner = (await store.GetRunAsync("shared/w1", default))!.Owner!;
        var (victim, survivor) = owner.Pid == a.Id ? (a, b) : (b, a);
        Assert.Equal(owner.Pid, victim.Id);
        var inFlight = Directory.GetFiles(marks).Where(f => !Lines(f).Contains("done")).Select(Path.GetFileName).ToList();
        victim.Kill(); // SIGKILL
        await victim.WaitForExitAsync();
        File.WriteAllText(go, "");

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await survivor.WaitForExitAsync(cts.Token);
        var log = await outputs[survivor == a ? 0 : 1].Err;
        Assert.True(survivor.ExitCode == 0, log);

        var run = (await store.GetRunAsync("shared/w1", default))!;
        Assert.Equal((RunStatus.Succeeded, 2, 2L, survivor.Id), (run.Status, run.RunCounter, run.Owner!.Fence, run.Owner.Pid));
        var files = Enumerable.Range(0, n).Select(i => Path.Combine(marks, $"d{i:D2}")).ToList();
        var seen = string.Join("; ", files.Select(f => Path.GetFileName(f) + ": " + string.Join(",", File.ReadAllLines(f))));
        Assert.True(files.All(f => File.ReadAllLines(f).Count(l => l == "done") == 1), seen + "\n" + log); // each item succeeded exactly once
        Assert.All(files, f => Assert.Equal(inFlight.Contains(Path.GetFileName(f)) ? 2 : 1, File.ReadAllLines(f).Count(l => l == "start"))); // only the interrupted ones ran again
        Assert.Empty(await new RunQueue(store.State).ListAsync(default).ToListAsync());
        Assert.Contains("taking shared/w1 (#1 running, owner gone)", log);
    }
}
