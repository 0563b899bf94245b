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
              - {name: c, type: command, command: [bash, -c, "echo {{ params.ds }}-{{ export_date }} >> ../child.txt"], working_dir: sub}
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
              - {name: b, type: command, depends_on: [a], command: [bash, -c, "echo '{{ outputs.a.files }} {{ outputs.a.stdout }} {{ run.correlation_id }}' > out.txt"]}
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
}
