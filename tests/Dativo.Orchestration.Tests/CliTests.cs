using System.Diagnostics;
using System.Text.Json.Nodes;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests;

/// <summary>The real <c>./dativo</c>: bad input, a run with its summary, SIGKILL mid-run then resume, clear, metrics.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Bad_input_fails_before_anything_runs_with_file_and_line()
    {
        using var dir = new TempDir();
        dir.File("p.yaml", """
            name: p
            tasks:
              - name: a
                type: command
                command: [bash, -c, "touch ran; echo $1", a, "{{ datset }}"]
                foreach: {sources: [{values: [x]}]}
            """);
        var r = await CliRunner.RunAsync(dir.Path, "pipeline", "run", "p.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("p.yaml:5:", r.Stderr);
        Assert.Contains("undefined template variable 'datset' (did you mean 'dataset'?)", r.Stderr);
        Assert.False(File.Exists(Path.Combine(dir.Path, "ran")));

        dir.File("q.yaml", """
            name: q
            tasks:
              - name: a
                type: command
                command: [bash, -c, "touch ran"]
                foreach: {sources: [{env: LIST}]}
            """);
        var q = await CliRunner.RunAsync(dir.Path, new Dictionary<string, string> { ["LIST"] = "{\"other\": 1}" }, "pipeline", "run", "q.yaml");
        Assert.Equal(2, q.ExitCode);
        Assert.Contains("foreach source env LIST holds an object without a 'datasets' array", q.Stderr);
        Assert.False(File.Exists(Path.Combine(dir.Path, "ran")));
    }

    [Fact]
    public async Task Sigkill_mid_run_then_resume_runs_no_completed_item_twice_and_loses_none()
    {
        using var dir = new TempDir();
        const int n = 30;
        var marks = Directory.CreateDirectory(Path.Combine(dir.Path, "marks")).FullName;
        dir.File("p.yaml", $$$"""
            name: killme
            tasks:
              - name: process
                type: command
                concurrency: 3
                foreach: {sources: [{values: [{{{string.Join(", ", Enumerable.Range(0, n).Select(i => $"d{i:D2}"))}}}]}]}
                command: [bash, -c, 'echo start >> {{{marks}}}/$DATIVO_DATASET; sleep 0.4; echo done >> {{{marks}}}/$DATIVO_DATASET']
              - name: summarize
                type: command
                depends_on: [process]
                trigger_rule: all_done
                env: {SUMMARY: "{{ outputs.process.summary }}"}
                command: [bash, -c, 'printf "%s" "$SUMMARY" > summary.json']
            """);
        using (var p = CliRunner.Start(dir.Path, ["pipeline", "run", "p.yaml", "--correlation-id", "k1"]))
        {
            _ = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (Directory.GetFiles(marks).Count(f => File.ReadAllText(f).Contains("done", StringComparison.Ordinal)) < 8 && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            p.Kill(); // SIGKILL: no cleanup, no final write
            await p.WaitForExitAsync();
        }
        // What the store says was completed when the orchestrator died.
        var before = await CliRunner.RunAsync(dir.Path, "runs", "show", "killme/k1", "--json");
        var beforeRun = JsonNode.Parse(before.Stdout)!;
        Assert.Equal("RUNNING", (string)beforeRun["status"]!);
        var completed = beforeRun["tasks"]!["process"]!["summary"]!["items"]!.AsArray()
            .Where(i => (string)i!["status"]! == "SUCCEEDED").Select(i => (string)i!["dataset"]!).ToList();
        Assert.NotEmpty(completed);
        Assert.True(completed.Count < n);
        await Task.Delay(1000); // let the orphaned item processes (if any) finish or be reaped

        var resumed = await CliRunner.RunAsync(dir.Path, "pipeline", "run", "p.yaml", "--correlation-id", "k1", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.All);
        var run = JsonNode.Parse(resumed.Stdout)!;
        Assert.Equal("SUCCEEDED", (string)run["status"]!);
        Assert.Equal(2, (int)run["run_counter"]!);
        Assert.Equal(n, (int)run["summary"]!["succeeded"]!);
        foreach (var d in completed)
            Assert.Equal(1, File.ReadAllLines(Path.Combine(marks, d)).Count(l => l == "start"));
        for (var i = 0; i < n; i++)
            Assert.Contains("done", File.ReadAllLines(Path.Combine(marks, $"d{i:D2}")));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "summary.json")))!;
        Assert.Equal(n, (int)summary["total"]!);
        Assert.Equal(n, (int)summary["succeeded"]!);

        var metrics = await CliRunner.RunAsync(dir.Path, "runs", "metrics");
        Assert.Matches("dativo_run_status\\{pipeline=\"killme\",correlation_id=\"k1\",export_date=\"[0-9-]+\",run_counter=\"2\"\\} 2", metrics.Stdout);
        var clear = await CliRunner.RunAsync(dir.Path, "runs", "clear", "killme/k1");
        Assert.Equal(0, clear.ExitCode);
        var list = await CliRunner.RunAsync(dir.Path, "runs", "list");
        Assert.Contains("no runs", list.Stdout);
    }

    [Fact]
    public async Task Validate_and_datasets_file_roundtrip()
    {
        using var dir = new TempDir();
        var ok = await CliRunner.RunAsync(Repo.Path_("examples", "pipelines"), "pipeline", "validate", "per_dataset.yaml");
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("process[foreach] -> summarize", ok.Stdout);
        var set = await CliRunner.RunAsync(dir.Path, "datasets", "set", "--source", "file", "--name", "list.json", "--values", "a, b");
        Assert.Equal(0, set.ExitCode);
        var get = await CliRunner.RunAsync(dir.Path, "datasets", "get", "--source", "file", "--name", "list.json");
        Assert.Equal("[\"a\",\"b\"]", get.Stdout.Trim());
        var missing = await CliRunner.RunAsync(dir.Path, new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "" },
            "datasets", "get", "--source", "secretsmanager", "--name", "development/emr_datasets_list", "--region", "eu-west-2");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no AWS credentials", missing.Stderr);
    }
}
