using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Tests;

/// <summary>Sub-pipelines, pipeline-level concurrency, outputs between tasks.</summary>
public sealed class PipelineFeatureTests
{
    [Fact]
    public async Task A_pipeline_task_runs_a_child_run_per_item_with_params()
    {
        using var h = new EngineHarness();
        h.Load("""
            name: child
            params: {ds: none}
            tasks:
              - {name: c, type: command, env: {DS: "{{ params.ds }}"}, command: [bash, -c, 'echo "$DS-$DATIVO_EXPORT_DATE" >> ../child.txt'], working_dir: sub}
            """, "child.yaml");
        Directory.CreateDirectory(Path.Combine(h.Dir.Path, "sub"));
        var p = h.Load("""
            name: parent
            tasks:
              - name: each
                type: pipeline
                pipeline: child.yaml
                params: {ds: "{{ dataset }}"}
                foreach: {sources: [{values: [x, y]}]}
            """);
        var run = await h.Engine.RunAsync(p, new RunRequest("r1", "2026-01-02"), default);
        var items = await h.ItemsAsync(run.RunId, "each");
        Assert.True(run.Status == RunStatus.Succeeded, $"{run.Status}: {run.Error} {run.Tasks["each"].Error} | " + string.Join("; ", items.Select(i => $"{i.Dataset}={i.Status}:{i.Attempts.LastOrDefault()?.Error}")));
        Assert.Equal(["x-2026-01-02", "y-2026-01-02"], File.ReadAllLines(Path.Combine(h.Dir.Path, "child.txt")).Order());
        var child = await h.Store.GetRunAsync("child/r1.each.x", default);
        Assert.Equal(("parent/r1", RunStatus.Succeeded), (child!.ParentId, child.Status));
    }

    [Fact]
    public async Task Outputs_flow_to_downstream_templates()
    {
        using var h = new EngineHarness();
        var p = h.Load("""
            name: p
            tasks:
              - {name: a, type: command, command: [bash, -c, "echo files=3 >> $DATIVO_OUTPUT; echo hello"]}
              - {name: b, type: command, depends_on: [a], command: [bash, -c, 'echo "$1 $2 $3" > out.txt', b, "{{ outputs.a.files }}", "{{ outputs.a.stdout }}", "{{ run.correlation_id }}"]}
            """);
        var run = await h.RunAsync(p, "corr");
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("3 hello corr", File.ReadAllText(Path.Combine(h.Dir.Path, "out.txt")).Trim());
    }

    [Theory]
    [InlineData("fail", RunStatus.Failed)]
    [InlineData("cancel", RunStatus.Cancelled)]
    public async Task Runs_over_the_pipeline_concurrency_limit_fail_or_cancel(string behavior, string expected)
    {
        var exec = new ScriptedExecutor(TimeProvider.System);
        exec.Script["t"] = new(["hang"]);
        using var h = new EngineHarness(register: r => r.Register("scripted", exec));
        var p = h.Load($"name: p\nconcurrency: {{limit: 1, behavior: {behavior}}}\ntasks:\n  - {{name: t, type: scripted}}\n");
        using var cts = new CancellationTokenSource();
        var first = h.RunAsync(p, "one", cts.Token);
        while (exec.Calls.IsEmpty) await Task.Delay(10);
        var second = await h.RunAsync(p, "two");
        Assert.Equal(expected, second.Status);
        Assert.Contains("concurrency limit 1", second.Error);
        Assert.Single(exec.Calls);
        await cts.CancelAsync();
        await first;
    }

    [Fact]
    public async Task Queued_runs_wait_for_a_slot()
    {
        var exec = new ScriptedExecutor(TimeProvider.System);
        exec.Script["t"] = new(["hang"]);
        using var h = new EngineHarness(register: r => r.Register("scripted", exec));
        var p = h.Load("name: p\nconcurrency: {limit: 1}\ntasks:\n  - {name: t, type: scripted}\n");
        var first = h.RunAsync(p, "one");
        while (exec.Calls.IsEmpty) await Task.Delay(10);
        var second = h.RunAsync(p, "two");
        await Task.Delay(500);
        Assert.Equal(RunStatus.Queued, (await h.Store.GetRunAsync("p/two", default))!.Status);
        Assert.Single(exec.Calls);
        await RunAdmin.CancelAsync(h.Store, "p/one", TimeProvider.System, default);
        Assert.Equal(RunStatus.Cancelled, (await first).Status);
        Assert.Equal(RunStatus.Succeeded, (await second.WaitAsync(TimeSpan.FromMinutes(1))).Status);
    }

    [Fact]
    public async Task Runs_starting_at_the_same_instant_take_only_the_limit_s_slots()
    {
        var exec = new ScriptedExecutor(TimeProvider.System);
        exec.Script["t"] = new(["hang", "hang", "hang", "hang"]);
        // every run that looks at the other runs before deciding sees them all still waiting: a check-then-start
        // admission lets all four start; slots taken by compare-and-set let one
        using var h = new EngineHarness(register: r => r.Register("scripted", exec), wrapStore: s => new SimultaneousListStore(s, 4));
        var p = h.Load("name: p\nconcurrency: {limit: 1}\ntasks:\n  - {name: t, type: scripted}\n");
        using var cts = new CancellationTokenSource();
        var runs = Enumerable.Range(0, 4).Select(i => h.RunAsync(p, $"r{i}", cts.Token)).ToList();
        while (exec.Calls.IsEmpty) await Task.Delay(10);
        await Task.Delay(1000);
        Assert.Single(exec.Calls);

        var running = (await Task.WhenAll(Enumerable.Range(0, 4).Select(i => h.Store.GetRunAsync($"p/r{i}", default))))
            .Single(r => r!.Status == RunStatus.Running)!;
        await RunAdmin.CancelAsync(h.Store, running.RunId, TimeProvider.System, default);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (exec.Calls.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        await Task.Delay(500);
        Assert.Equal(2, exec.Calls.Count); // the freed slot went to exactly one waiting run
        await cts.CancelAsync();
        foreach (var r in runs)
        {
            try { await r; }
            catch (OperationCanceledException) { } // a run still queued when its caller gives up ends with the caller
        }
    }

    /// <summary>Answers every <see cref="IRunStore.ListRunsAsync"/> with what it read, but only once <paramref name="callers"/> of them have read (or 3 s passed).</summary>
    private sealed class SimultaneousListStore(IRunStore inner, int callers) : IRunStore
    {
        private int _arrived;
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<RunRecord> ListRunsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            var seen = new List<RunRecord>();
            await foreach (var r in inner.ListRunsAsync(ct)) seen.Add(r);
            if (Interlocked.Increment(ref _arrived) >= callers) _all.TrySetResult();
            await Task.WhenAny(_all.Task, Task.Delay(3000, ct));
            foreach (var r in seen) yield return r;
        }

        public Task<RunRecord?> GetRunAsync(string runId, CancellationToken ct) => inner.GetRunAsync(runId, ct);
        public Task<bool> TryPutRunAsync(RunRecord run, TimeSpan ttl, CancellationToken ct) => inner.TryPutRunAsync(run, ttl, ct);
        public Task<IReadOnlyDictionary<int, ItemRecord>> GetItemsAsync(string runId, string task, CancellationToken ct) => inner.GetItemsAsync(runId, task, ct);
        public Task PutItemChunkAsync(string runId, string task, int chunk, IReadOnlyCollection<string> itemJson, TimeSpan ttl, CancellationToken ct) =>
            inner.PutItemChunkAsync(runId, task, chunk, itemJson, ttl, ct);

        public Task PutItemChunkAsync(string runId, string task, int chunk, IReadOnlyCollection<string> itemJson, TimeSpan ttl, long fence, CancellationToken ct) =>
            inner.PutItemChunkAsync(runId, task, chunk, itemJson, ttl, fence, ct);
        public Task<(string? RunId, long Version)> GetSlotAsync(string pipeline, int slot, CancellationToken ct) => inner.GetSlotAsync(pipeline, slot, ct);
        public Task<long?> TrySetSlotAsync(string pipeline, int slot, string? runId, long version, CancellationToken ct) =>
            inner.TrySetSlotAsync(pipeline, slot, runId, version, ct);
        public Task<bool> DeleteRunAsync(string runId, CancellationToken ct) => inner.DeleteRunAsync(runId, ct);
    }
}
