using System.Globalization;
using Dativo.Core.Processes;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests.Safety;

/// <summary>
/// Issue #11 item 11: a command's processes die with the orchestrator (SIGKILL included), cancellation kills what they
/// left even outside their process tree, and a resumed run stops leftovers before an item runs again.
/// </summary>
public sealed class ChildProcessTests
{
    /// <summary>A process as the test saw it: pid and start time, so a recycled pid never counts as "still running".</summary>
    private readonly record struct Seen(int Pid, ulong Start)
    {
        public bool Runs => ProcessTable.Read(Pid) is { IsDead: false } s && s.StartTicks == Start;

        public static Seen Of(string pidFile)
        {
            var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
            var stat = ProcessTable.Read(pid) ?? throw new InvalidOperationException($"process {pid} ({pidFile}) is not running");
            return new Seen(pid, stat.StartTicks);
        }

        public void KillIfRunning()
        {
            if (Runs) ProcessKiller.KillTree(System.Diagnostics.Process.GetProcessById(Pid));
        }
    }

    /// <summary>Polls until every process has ended or the (generous) limit passes; returns the ones still running.</summary>
    private static async Task<List<Seen>> StillRunningAfterAsync(IReadOnlyList<Seen> processes, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (processes.Any(p => p.Runs) && DateTime.UtcNow < deadline) await Task.Delay(50);
        return [.. processes.Where(p => p.Runs)];
    }

    private static async Task WaitForFilesAsync(string dir, string pattern, int count, System.Diagnostics.Process orchestrator)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5); // the first ./dativo of a test run may build the CLI
        while (Directory.GetFiles(dir, pattern).Length < count)
        {
            Assert.False(orchestrator.HasExited, "the orchestrator ended before its commands started");
            Assert.True(DateTime.UtcNow < deadline, $"no {count} {pattern} files in {dir}");
            await Task.Delay(50);
        }
    }

    // pid files are written to a temporary name and renamed, so the test never reads a half-written one
    private const string WritePids =
        "echo $! > pids/$DATIVO_DATASET.child.tmp && mv pids/$DATIVO_DATASET.child.tmp pids/$DATIVO_DATASET.child; " +
        "echo $$ > pids/$DATIVO_DATASET.shell.tmp && mv pids/$DATIVO_DATASET.shell.tmp pids/$DATIVO_DATASET.shell; wait";

    [Fact]
    public async Task Children_die_when_the_orchestrator_is_sigkilled()
    {
        using var dir = new TempDir();
        var pids = Directory.CreateDirectory(Path.Combine(dir.Path, "pids")).FullName;
        dir.File("p.yaml", $$"""
            name: lifeline
            tasks:
              - name: work
                type: command
                concurrency: 2
                foreach: {sources: [{values: [a, b]}]}
                command: [bash, -c, 'sleep 1000 & {{WritePids}}']
            """);
        var seen = new List<Seen>();
        try
        {
            using (var p = CliRunner.Start(dir.Path, ["pipeline", "run", "p.yaml", "--correlation-id", "k"]))
            {
                _ = p.StandardError.ReadToEndAsync();
                _ = p.StandardOutput.ReadToEndAsync();
                await WaitForFilesAsync(pids, "*.shell", 2, p);
                seen.AddRange(Directory.GetFiles(pids, "*.shell").Concat(Directory.GetFiles(pids, "*.child")).Select(Seen.Of));
                p.Kill(); // SIGKILL: the orchestrator runs no code of its own after this
                await p.WaitForExitAsync();
            }
            Assert.Equal(4, seen.Count);
            Assert.Empty(await StillRunningAfterAsync(seen, TimeSpan.FromSeconds(30)));
        }
        finally
        {
            foreach (var s in seen) s.KillIfRunning();
        }
    }

    [Fact]
    public async Task Retry_stops_a_leftover_of_the_interrupted_attempt_before_the_item_runs_again()
    {
        using var dir = new TempDir();
        var pids = Directory.CreateDirectory(Path.Combine(dir.Path, "pids")).FullName;
        // The first attempt puts its sleep in a process group of its own (set -m), so the lifeline's group kill misses it;
        // a second attempt records whether the first one's sleep still ran when it started.
        dir.File("p.yaml", $$"""
            name: leftover
            tasks:
              - name: work
                type: command
                foreach: {sources: [{values: [a]}]}
                command: [bash, -c, 'if [ -e pids/a.child ]; then s=$(cut -d" " -f3 /proc/$(cat pids/a.child)/stat 2>/dev/null); if [ -n "$s" ] && [ "$s" != Z ]; then echo overlap > overlap.txt; fi; exit 0; fi; set -m; sleep 1000 & {{WritePids}}']
            """);
        Seen shell = default, child = default;
        try
        {
            using (var p = CliRunner.Start(dir.Path, ["pipeline", "run", "p.yaml", "--correlation-id", "k"]))
            {
                _ = p.StandardError.ReadToEndAsync();
                _ = p.StandardOutput.ReadToEndAsync();
                await WaitForFilesAsync(pids, "*.shell", 1, p);
                (shell, child) = (Seen.Of(Path.Combine(pids, "a.shell")), Seen.Of(Path.Combine(pids, "a.child")));
                p.Kill();
                await p.WaitForExitAsync();
            }
            Assert.Empty(await StillRunningAfterAsync([shell], TimeSpan.FromSeconds(30))); // the lifeline took the shell's group
            Assert.True(child.Runs); // ... but not the sleep in a group of its own: nothing has stopped it so far

            var retry = await CliRunner.RunAsync(dir.Path, "runs", "retry", "leftover/k", "--json");
            Assert.True(retry.ExitCode == 0, retry.All);
            Assert.False(child.Runs);
            Assert.False(File.Exists(Path.Combine(dir.Path, "overlap.txt")), "the item ran again while its interrupted attempt still ran");
        }
        finally
        {
            shell.KillIfRunning();
            child.KillIfRunning();
        }
    }

    [Fact]
    public async Task Cancel_kills_what_a_command_started_even_outside_its_process_tree()
    {
        using var h = new EngineHarness();
        // the subshell exits at once, so its sleep is re-parented away from the command's process tree
        var p = h.Load("""
            name: p
            tasks:
              - name: t
                type: command
                command: [bash, -c, '( sleep 1000 & echo $! > orphan.tmp; mv orphan.tmp orphan ); sleep 1000']
            """);
        using var cts = new CancellationTokenSource();
        var run = h.RunAsync(p, "c", cts.Token);
        var orphanFile = Path.Combine(h.Dir.Path, "orphan");
        while (!File.Exists(orphanFile))
        {
            Assert.False(run.IsCompleted, "the run ended before its command started");
            await Task.Delay(20);
        }
        var orphan = Seen.Of(orphanFile);
        try
        {
            await cts.CancelAsync();
            var record = await run.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(RunStatus.Cancelled, record.Status);
            Assert.False(orphan.Runs); // stopped before the attempt ended, not eventually
        }
        finally
        {
            orphan.KillIfRunning();
        }
    }

    [Fact]
    public async Task What_a_command_leaves_running_in_its_group_ends_with_it()
    {
        using var h = new EngineHarness();
        var p = h.Load("""
            name: p
            tasks:
              - {name: t, type: command, command: [bash, -c, 'sleep 1000 >/dev/null 2>&1 & echo $! > left.tmp; mv left.tmp left']}
            """);
        var run = await h.RunAsync(p, "c");
        Assert.Equal(RunStatus.Succeeded, run.Status);
        var left = Seen.Of(Path.Combine(h.Dir.Path, "left"));
        try
        {
            Assert.Empty(await StillRunningAfterAsync([left], TimeSpan.FromSeconds(30)));
        }
        finally
        {
            left.KillIfRunning();
        }
    }

    [Fact]
    public void A_stat_line_is_read_after_the_last_parenthesis_of_the_command_name()
    {
        var s = ProcessTable.Parse("4242 (a) b (c)) S 1 4240 4239 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654321 1000 10 18446744073709551615")!.Value;
        Assert.Equal((4242, 'S', 4240, 4239, 987654321UL), (s.Pid, s.State, s.Group, s.Session, s.StartTicks));
        Assert.Null(ProcessTable.Parse("garbage"));
    }

    [Fact]
    public void A_run_owned_by_an_earlier_process_with_this_pid_is_not_live()
    {
        var me = RunOwnership.Me(TimeProvider.System);
        var run = new RunRecord { Status = RunStatus.Running, Owner = me };
        Assert.True(RunOwnership.IsLive(run, TimeProvider.System, TimeSpan.FromSeconds(1)));
        run.Owner = me with { StartTicks = me.StartTicks - 1 };
        Assert.False(RunOwnership.IsLive(run, TimeProvider.System, TimeSpan.FromSeconds(1)));
        run.Owner = me with { Boot = "another-boot" };
        Assert.False(RunOwnership.IsLive(run, TimeProvider.System, TimeSpan.FromSeconds(1)));
    }
}
