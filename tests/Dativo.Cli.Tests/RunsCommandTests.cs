using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Testing;

namespace Dativo.Cli.Tests;

/// <summary><c>dativo runs list|show|logs</c> through the launcher, on real pipeline runs and real <c>dativo run</c> jobs.</summary>
public sealed partial class RunsCommandTests
{
    private const string Contract = "name: orders\nversion: \"1.0\"\ndomain: sales\nschema:\n  - {name: id, type: long, required: true}\n  - {name: email, type: string}\nteam: {owner: team@acme.com}\n";
    private const string Job = "tenant_id: acme\nsource_connector: csv\ntarget_connector: iceberg\nasset: orders\nasset_path: contract.yaml\nsource:\n  files: [{path: \"data*.csv\"}]\n";

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")]
    private static partial Regex IsoUtc();

    private static JsonNode Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.All);
        return JsonNode.Parse(r.Stdout)!;
    }

    private static void AssertUserError(CliRunner.Result r, params string[] said)
    {
        Assert.True(r.ExitCode == 2, r.All);
        foreach (var s in said) Assert.Contains(s, r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.All);
    }

    [Fact]
    public async Task Plain_run_jobs_are_recorded_in_run_history_with_outputs_and_log()
    {
        using var dir = new TempDir();
        dir.File("contract.yaml", Contract);
        dir.File("job.yaml", Job);
        dir.File("data.csv", "id,email\n1,a@x.com\n2,b@x.com\n3,c@x.com\n");
        var ok = await CliRunner.RunAsync(dir.Path, "run", "--config", "job.yaml");
        Assert.True(ok.ExitCode == 0, ok.All);
        dir.File("data2.csv", "id,email\nx,a@x.com\n"); // a new file: a rewritten one is refused as changed
        var bad = await CliRunner.RunAsync(dir.Path, "run", "--config", "job.yaml");
        Assert.True(bad.ExitCode == 2, bad.All);

        var runs = Json(await CliRunner.RunAsync(dir.Path, "runs", "list", "--json")).AsArray();
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r =>
        {
            Assert.Equal("job:acme/orders", (string?)r!["pipeline"]);
            Assert.Equal("job", (string?)r["kind"]);
            Assert.Matches(IsoUtc(), (string)r["started_at"]!);
            Assert.Matches(IsoUtc(), (string)r["ended_at"]!);
            Assert.StartsWith("job:acme/orders/", (string)r["run_id"]!, StringComparison.Ordinal);
        });
        var failed = Assert.Single(Json(await CliRunner.RunAsync(dir.Path, "runs", "list", "--status", "failed", "--json")).AsArray());
        var succeeded = Assert.Single(Json(await CliRunner.RunAsync(dir.Path, "runs", "list", "--status", "succeeded", "--json")).AsArray());
        Assert.Equal("FAILED", (string?)failed!["status"]);

        var show = Json(await CliRunner.RunAsync(dir.Path, "runs", "show", (string)succeeded!["short_id"]!, "--json"));
        Assert.Equal((string?)succeeded["run_id"], (string?)show["run_id"]);
        var outputs = show["tasks"]!["ingest"]!["outputs"]!;
        Assert.Equal("3", (string?)outputs["rows_written"]);
        Assert.False(string.IsNullOrEmpty((string?)outputs["snapshot_id"]));
        Assert.Equal("sales.orders", (string?)outputs["table"]);

        // The attempt's log is the job's JSON-lines events.
        var logs = await CliRunner.RunAsync(dir.Path, "runs", "logs", (string)succeeded["run_id"]!);
        Assert.True(logs.ExitCode == 0, logs.All);
        var events = logs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("job_started", (string?)events[0]["event"]);
        Assert.Equal((string?)succeeded["run_id"], (string?)events[0]["run_id"]);
        Assert.Equal("job_finished", (string?)events[^1]["event"]);
        Assert.Equal(3, (int)events[^1]["rows_written"]!);
        Assert.All(events, e => Assert.Matches(IsoUtc(), (string)e!["ts"]!));
        var failedLog = await CliRunner.RunAsync(dir.Path, "runs", "logs", (string)failed["short_id"]!, "--task", "ingest", "--attempt", "1");
        Assert.Contains("\"rejected\":1", failedLog.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_list_has_a_header_iso_times_filters_and_rows_that_fit_80_columns()
    {
        using var dir = new TempDir();
        const string name = "a_pipeline_name_much_longer_than_any_column_would_allow_for";
        dir.File("p.yaml", $"name: {name}\ntasks:\n  - name: a\n    type: command\n    env: {{CODE: \"{{{{ params.code }}}}\"}}\n    command: [bash, -c, 'exit $CODE']\nparams: {{code: \"0\"}}\n");
        dir.File("q.yaml", "name: q\ntasks:\n  - name: a\n    type: command\n    command: [bash, -c, 'echo q']\n");
        var runs = new[]
        {
            await CliRunner.RunAsync(dir.Path, "pipeline", "run", "p.yaml", "--correlation-id", "first-correlation-id-that-is-long-as-well"),
            await CliRunner.RunAsync(dir.Path, "pipeline", "run", "p.yaml", "--correlation-id", "second", "--set", "code=3"),
            await CliRunner.RunAsync(dir.Path, "pipeline", "run", "q.yaml", "--correlation-id", "third"),
        };
        Assert.Equal([0, 2, 0], runs.Select(r => r.ExitCode));

        var list = await CliRunner.RunAsync(dir.Path, "runs", "list");
        Assert.True(list.ExitCode == 0, list.All);
        var lines = list.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^ID\s+PIPELINE\s+STATUS\s+STARTED\s+ENDED\s+DURATION$", lines[0]);
        Assert.All(lines, l => Assert.True(l.Length < 80, $"{l.Length} columns: {l}"));
        foreach (var row in lines.Skip(1))
        {
            Assert.Matches(@"^[0-9a-f]{8} ", row);
            Assert.Equal(2, Regex.Count(row, @"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"));
        }
        Assert.Contains(lines, l => l.Contains("FAILED", StringComparison.Ordinal) && l.Contains("a_pipeli…", StringComparison.Ordinal));

        var json = Json(await CliRunner.RunAsync(dir.Path, "runs", "list", "--json", "--pipeline", name)).AsArray();
        Assert.Equal(2, json.Count);
        Assert.Contains(json, r => (string?)r!["run_id"] == $"{name}/first-correlation-id-that-is-long-as-well");
        Assert.Single(Json(await CliRunner.RunAsync(dir.Path, "runs", "list", "--json", "--status", "failed", "--status", "running")).AsArray());
        Assert.Equal(2, Json(await CliRunner.RunAsync(dir.Path, "runs", "list", "--json", "--status", "succeeded")).AsArray().Count);
        Assert.Single(Json(await CliRunner.RunAsync(dir.Path, "runs", "list", "--json", "--limit", "1")).AsArray());
        AssertUserError(await CliRunner.RunAsync(dir.Path, "runs", "list", "--status", "broken"), "unknown status", "failed");

        // runs show takes the short id (or a unique prefix of it); an unknown one names the runs there are.
        var q = Json(await CliRunner.RunAsync(dir.Path, "runs", "list", "--json", "--pipeline", "q")).AsArray().Single()!;
        var shown = Json(await CliRunner.RunAsync(dir.Path, "runs", "show", ((string)q["short_id"]!)[..6], "--json"));
        Assert.Equal("q/third", (string?)shown["run_id"]);
        Assert.Matches(IsoUtc(), (string)shown["tasks"]!["a"]!["started_at"]!);
        AssertUserError(await CliRunner.RunAsync(dir.Path, "runs", "show", "nope"), "no run nope", "q/third");
    }

    [Fact]
    public async Task Runs_logs_picks_task_item_and_attempt_and_names_what_exists_for_unknown_ones()
    {
        using var dir = new TempDir();
        dir.File("p.yaml", """
            name: logs
            tasks:
              - name: fan
                type: command
                foreach: {sources: [{values: [a, b]}]}
                retry: {max_attempts: 2}
                env: {D: "{{ dataset }}", A: "{{ attempt }}"}
                command: [bash, -c, 'echo "hello $D attempt $A"; [ "$A" -ge 2 ] || [ "$D" = a ]']
              - name: after
                type: command
                depends_on: [fan]
                command: [bash, -c, 'echo after-line']
            """);
        var run = await CliRunner.RunAsync(dir.Path, "pipeline", "run", "p.yaml", "--correlation-id", "c1");
        Assert.True(run.ExitCode == 0, run.All);

        var all = await CliRunner.RunAsync(dir.Path, "runs", "logs", "logs/c1");
        Assert.True(all.ExitCode == 0, all.All);
        Assert.Equal(
            "==> fan[a] attempt 1 (SUCCEEDED) <==\nhello a attempt 1\n\n==> fan[b] attempt 2 (SUCCEEDED) <==\nhello b attempt 2\n\n==> after attempt 1 (SUCCEEDED) <==\nafter-line\n",
            all.Stdout);
        var first = await CliRunner.RunAsync(dir.Path, "runs", "logs", "logs/c1", "--task", "fan", "--item", "b", "--attempt", "1");
        Assert.Equal("hello b attempt 1\n", first.Stdout);
        var items = await CliRunner.RunAsync(dir.Path, "runs", "logs", "logs/c1", "--item", "b");
        Assert.Equal("hello b attempt 2\n", items.Stdout);

        AssertUserError(await CliRunner.RunAsync(dir.Path, "runs", "logs", "logs/c2"), "no run logs/c2", "logs/c1");
        AssertUserError(await CliRunner.RunAsync(dir.Path, "runs", "logs", "logs/c1", "--task", "fann"), "no task 'fann'", "fan, after");
        AssertUserError(await CliRunner.RunAsync(dir.Path, "runs", "logs", "logs/c1", "--item", "c"), "no item 'c'", "a; b");
        AssertUserError(await CliRunner.RunAsync(dir.Path, "runs", "logs", "logs/c1", "--item", "a", "--attempt", "2"), "no attempt 2", "fan[a] 1");
    }

    [Fact]
    public async Task Runs_logs_follow_streams_a_running_pipeline_until_it_ends()
    {
        using var dir = new TempDir();
        var go = Path.Combine(dir.Path, "go");
        dir.File("p.yaml", $$"""
            name: follow
            tasks:
              - name: slow
                type: command
                command: [bash, -c, 'echo first-line; while [ ! -f {{go}} ]; do sleep 0.05; done; echo second-line']
            """);
        using var pipeline = CliRunner.Start(dir.Path, ["pipeline", "run", "p.yaml", "--correlation-id", "f1"]);
        var pipelineOut = pipeline.StandardOutput.ReadToEndAsync();
        var pipelineErr = pipeline.StandardError.ReadToEndAsync();
        // the task has started once its first line is in its attempt log
        var logDir = Path.Combine(dir.Path, ".dativo", "logs", "follow", "f1", "slow");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!(Directory.Exists(logDir) && Directory.GetFiles(logDir, "*.log").Any(f => File.ReadAllText(f).Contains("first-line", StringComparison.Ordinal))))
        {
            if (DateTime.UtcNow > deadline || pipeline.HasExited) Assert.Fail("the task did not start: " + await pipelineErr);
            await Task.Delay(50);
        }

        using var follow = CliRunner.Start(dir.Path, ["runs", "logs", "follow/f1", "--follow"]);
        var followErr = follow.StandardError.ReadToEndAsync();
        var seen = new List<string>();
        while (await follow.StandardOutput.ReadLineAsync() is { } line)
        {
            seen.Add(line);
            if (line == "first-line") break;
        }
        Assert.Equal(["==> slow attempt 1 (RUNNING) <==", "first-line"], seen);
        Assert.False(follow.HasExited);
        File.WriteAllText(go, ""); // only now does the task write its second line and finish
        var rest = await follow.StandardOutput.ReadToEndAsync();
        await follow.WaitForExitAsync();
        Assert.True(follow.ExitCode == 0, rest + await followErr);
        Assert.Contains("second-line", rest, StringComparison.Ordinal);
        await pipeline.WaitForExitAsync();
        Assert.True(pipeline.ExitCode == 0, await pipelineOut + await pipelineErr);
    }
}
