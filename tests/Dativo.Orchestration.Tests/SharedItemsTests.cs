using Dativo.Lake.State;
using Dativo.Orchestration.Runs;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Orchestration.Tests;

/// <summary>
/// Several worker processes share the items of one fan-out through item leases, on one SQLite file and on PostgreSQL:
/// every item runs to success exactly once, items are done by more than one worker, a SIGKILLed worker's items are
/// taken over once their leases ran out, and a worker whose lease was taken over can no longer store a result.
/// </summary>
public sealed class SharedItemsTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private const int Items = 40;

    private string? State(string kind, TempDir dir) => kind == "postgres" ? db.ConnectionString : Path.Combine(dir.Path, "state.db");

    /// <summary>
    /// A 40-item fan-out (concurrency 4 across workers, 2 per worker): every item appends start/done lines to its own
    /// file. No item finishes before 3 have started — more than one worker holds — so both workers must take items.
    /// Items also wait for <c>go</c> when <paramref name="gated"/>, so a kill finds them mid-work.
    /// </summary>
    private static string Pipeline(TempDir dir, string name, bool gated)
    {
        var marks = Directory.CreateDirectory(Path.Combine(dir.Path, "marks")).FullName;
        var started = Directory.CreateDirectory(Path.Combine(dir.Path, "started")).FullName;
        var go = Path.Combine(dir.Path, "go");
        var pids = Directory.CreateDirectory(Path.Combine(dir.Path, "pids")).FullName;
        var wait = gated ? $"until [ -e {go} ]; do sleep 0.05; done; " : "";
        return dir.File("p.yaml", $$$"""
            name: {{{name}}}
            tasks:
              - name: work
                type: command
                concurrency: 4
                foreach: {sources: [{values: [{{{string.Join(", ", Enumerable.Range(0, Items).Select(i => $"d{i:D2}"))}}}]}]}
                env: {D: "{{ dataset }}"}
                command: [bash, -c, 'echo $$ > {{{pids}}}/$D; echo start >> {{{marks}}}/$D; touch {{{started}}}/$D; until [ $(ls {{{started}}} | wc -l) -ge 3 ]; do sleep 0.05; done; {{{wait}}}echo done >> {{{marks}}}/$D']
            """);
    }

    private static string[] Lines(string file) => File.Exists(file) ? File.ReadAllLines(file) : [];

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Two_workers_share_one_fan_out_and_run_every_item_once(string kind)
    {
        Skip.If(kind == "postgres" && db.SkipReason is not null, db.SkipReason);
        using var dir = new TempDir();
        var state = State(kind, dir)!;
        var name = "share_" + kind;
        Pipeline(dir, name, gated: false);
        var submitted = await CliRunner.RunAsync(dir.Path, "pipeline", "submit", "p.yaml", "--correlation-id", "s1", "--state", state);
        Assert.True(submitted.ExitCode == 0, submitted.All);

        string[] worker = ["worker", "--state", state, "--exit-when-idle", "--slots", "2", "--lease", "20s"]; // no lease runs out here
        using var a = CliRunner.Start(dir.Path, worker);
        using var b = CliRunner.Start(dir.Path, worker);
        var logs = new[] { a, b }.Select(p => (Err: p.StandardError.ReadToEndAsync(), Out: p.StandardOutput.ReadToEndAsync())).ToArray();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await Task.WhenAll(a.WaitForExitAsync(cts.Token), b.WaitForExitAsync(cts.Token));
        var log = await logs[0].Err + "\n----\n" + await logs[1].Err;
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, log);

        var store = new StateStoreRunStore(StateStores.Open(new StateStoreOptions { Uri = state }));
        var run = (await store.GetRunAsync($"{name}/s1", default))!;
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + log);
        var items = await store.GetItemsAsync($"{name}/s1", "work", default);
        Assert.Equal(Items, items.Values.Count(i => i.Status == RunStatus.Succeeded));
        for (var i = 0; i < Items; i++)
        {
            var lines = Lines(Path.Combine(dir.Path, "marks", $"d{i:D2}"));
            Assert.True(lines.SequenceEqual(["start", "done"]), $"d{i:D2}: {string.Join(",", lines)}\n{log}"); // exactly once, by one worker
        }
        var leases = await new ItemLeases(store.State, TimeProvider.System, TimeSpan.FromSeconds(3)).ListAsync($"{name}/s1", "work", default);
        Assert.Equal(Items, leases.Values.Count(l => l.State == ItemLeaseRecord.Done && l.Item!.Status == RunStatus.Succeeded));
        var byWorker = leases.Values.GroupBy(l => l.Worker).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(byWorker.Count >= 2, "items done by: " + string.Join(", ", byWorker.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Contains("item(s) of " + name + "/s1 task work", log);
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_sigkilled_helpers_items_are_taken_over_after_their_leases_expire_and_run_once(string kind)
    {
        Skip.If(kind == "postgres" && db.SkipReason is not null, db.SkipReason);
        using var dir = new TempDir();
        var state = State(kind, dir)!;
        var name = "kill_" + kind;
        Pipeline(dir, name, gated: true);
        var submitted = await CliRunner.RunAsync(dir.Path, "pipeline", "submit", "p.yaml", "--correlation-id", "k1", "--state", state);
        Assert.True(submitted.ExitCode == 0, submitted.All);

        string[] worker = ["worker", "--state", state, "--exit-when-idle", "--slots", "2", "--lease", "4s"]; // the killed worker's run out
        using var a = CliRunner.Start(dir.Path, worker);
        using var b = CliRunner.Start(dir.Path, worker);
        var logs = new[] { a, b }.Select(p => (Err: p.StandardError.ReadToEndAsync(), Out: p.StandardOutput.ReadToEndAsync())).ToArray();
        var store = new StateStoreRunStore(StateStores.Open(new StateStoreOptions { Uri = state }));
        var leases = new ItemLeases(store.State, TimeProvider.System, TimeSpan.FromSeconds(4));

        // four items in flight (two per worker, all held at "go") and their leases written
        var started = Path.Combine(dir.Path, "started");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline
            && (Directory.GetFiles(started).Length < 4 || (await leases.ListAsync($"{name}/k1", "work", default)).Values.Count(l => l.State == ItemLeaseRecord.Running) < 4))
            await Task.Delay(50);
        var owner = (await store.GetRunAsync($"{name}/k1", default))!.Owner!;
        var (helper, survivor) = owner.Pid == a.Id ? (b, a) : (a, b);
        var held = (await leases.ListAsync($"{name}/k1", "work", default))
            .Where(kv => kv.Value.State == ItemLeaseRecord.Running && kv.Value.Worker.Contains($"/{helper.Id}/", StringComparison.Ordinal))
            .Select(kv => kv.Key).ToList();
        Assert.Equal(2, held.Count);
        var commands = held.Select(i => int.Parse(File.ReadAllText(Path.Combine(dir.Path, "pids", $"d{i:D2}")).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        helper.Kill(); // SIGKILL: its commands die with it (lifeline), its leases are left to run out
        await helper.WaitForExitAsync();
        while (commands.Any(Alive) && DateTime.UtcNow < deadline) await Task.Delay(20); // the killed attempts never reach their side effect
        File.WriteAllText(Path.Combine(dir.Path, "go"), "");

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await survivor.WaitForExitAsync(cts.Token);
        var log = await logs[survivor == a ? 0 : 1].Err;
        Assert.True(survivor.ExitCode == 0, log);

        var run = (await store.GetRunAsync($"{name}/k1", default))!;
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + log);
        var after = await leases.ListAsync($"{name}/k1", "work", default);
        for (var i = 0; i < Items; i++)
        {
            var lines = Lines(Path.Combine(dir.Path, "marks", $"d{i:D2}"));
            Assert.True(lines.Count(l => l == "done") == 1, $"d{i:D2}: {string.Join(",", lines)}\n{log}"); // the side effect happened once
            Assert.Equal(held.Contains(i) ? 2 : 1, lines.Count(l => l == "start")); // only the killed worker's items ran again
        }
        foreach (var i in held)
        {
            // taken over with the next fence by the survivor, the interrupted attempt recorded as such
            Assert.Equal((2L, ItemLeaseRecord.Done), (after[i].Fence, after[i].State));
            Assert.Contains($"/{survivor.Id}/", after[i].Worker, StringComparison.Ordinal);
            Assert.Equal([RunStatus.Interrupted, RunStatus.Succeeded], after[i].Item!.Attempts.Select(x => x.Outcome));
        }
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_worker_whose_item_lease_was_taken_over_cannot_store_its_late_result(string kind)
    {
        Skip.If(kind == "postgres" && db.SkipReason is not null, db.SkipReason);
        using var dir = new TempDir();
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var state = StateStores.Open(new StateStoreOptions { Uri = State(kind, dir), Time = clock });
        var lease = TimeSpan.FromSeconds(10);
        var slow = new ItemLeases(state, clock, lease, worker: "host-a/1/1");
        var fast = new ItemLeases(state, clock, lease, worker: "host-b/2/2");
        var runId = $"fence_{kind}/f1";
        var item = new ItemRecord { Index = 7, Dataset = "d07" };

        var a = (await slow.TryClaimAsync(runId, "work", 7, null, 1, item, TimeSpan.FromDays(1), default))!;
        Assert.Null(await fast.TryClaimAsync(runId, "work", 7, null, 1, item, TimeSpan.FromDays(1), default)); // held: a second claim is refused
        var live = (await fast.ListAsync(runId, "work", default))[7];
        Assert.Null(await fast.TryClaimAsync(runId, "work", 7, live, 1, item, TimeSpan.FromDays(1), default)); // live lease: not claimable

        clock.Advance(lease + TimeSpan.FromSeconds(1)); // worker a stalls past its lease
        var expired = (await fast.ListAsync(runId, "work", default))[7];
        var b = (await fast.TryClaimAsync(runId, "work", 7, expired, 1, item, TimeSpan.FromDays(1), default))!;
        Assert.Equal(2, b.Fence);

        var late = new ItemRecord { Index = 7, Dataset = "d07", Status = RunStatus.Succeeded, Outputs = { ["by"] = "a" } };
        Assert.False(await a.FinishAsync(late)); // refused: another worker holds the item
        Assert.True(a.Lost && a.Token.IsCancellationRequested);
        Assert.False(await a.RenewAsync());
        Assert.True(await b.FinishAsync(new ItemRecord { Index = 7, Dataset = "d07", Status = RunStatus.Succeeded, Outputs = { ["by"] = "b" } }));

        var stored = (await slow.ListAsync(runId, "work", default))[7];
        Assert.Equal((ItemLeaseRecord.Done, "host-b/2/2", 2L, "b"), (stored.State, stored.Worker, stored.Fence, stored.Item!.Outputs["by"]));
        Assert.True(stored.Finishes(1));
    }

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not 'Z' and not 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
