using System.Text.Json.Nodes;
using Dativo.Aws;
using Dativo.Aws.Testing;
using Dativo.Orchestration.Runs;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests.Aws;

/// <summary>
/// <c>emr_serverless</c> tasks against a local EMR Serverless that accepts only requests valid under its botocore
/// model and plays back scripted job-run states (EmrServerlessSimulator).
/// </summary>
public sealed class EmrServerlessTaskTests
{
    private static string Pipeline(string datasets, string extra = "", string with = "", int concurrency = 8, string maxRuns = "50") => $$$"""
        name: emr_multi
        tasks:
          - name: process
            type: emr_serverless
            foreach: {sources: [{values: [{{{datasets}}}]}]}
            concurrency: {{{concurrency}}}
        {{{extra}}}
            with:
              application_id: 00fabcdef1234567
              execution_role_arn: arn:aws:iam::123456789012:role/emr-serverless-job
              entry_point: s3://dev-pyspark-jobs-codepackage/pkg/entry_script/run_main.py
              arguments: [--load_type, sample, --data_set, "{{ dataset }}", --path, s3://dev-collection-data/]
              spark_submit_parameters: "--jars s3://dev-pyspark-jobs-codepackage/pkg/jars/postgresql-42.7.4.jar"
              log_uri: s3://dev-pyspark-jobs-logs/
              max_concurrent_runs: {{{maxRuns}}}
              poll_interval: 2ms
              max_poll_interval: 10ms
              cancel_wait: 30s
        {{{with}}}
          - name: summarize
            type: command
            depends_on: [process]
            trigger_rule: all_done
            env: {SUMMARY: "{{ outputs.process.summary }}"}
            command: [bash, -c, 'printf "%s" "$SUMMARY" > summary.json']
        """;

    private static (ModelCheckedAwsServer Server, EmrServerlessSimulator Emr, Dictionary<string, string> Env) Start()
    {
        var emr = new EmrServerlessSimulator();
        var server = new ModelCheckedAwsServer("emr-serverless", emr.Handle);
        return (server, emr, new Dictionary<string, string>(server.Environment(AwsService.EmrServerless.EndpointVariable)));
    }

    [Fact]
    public async Task Each_state_maps_to_its_outcome_and_a_failed_job_fails_at_once()
    {
        var (server, emr, env) = Start();
        using var _ = server;
        emr.Script = request => (string?)request["name"] switch
        {
            "ok-c1" => ["PENDING", "SCHEDULED", "QUEUED", "RUNNING", "SUCCESS"],
            "bad-c1" => ["PENDING", "RUNNING", "FAILED:Job failed, ExitCode: 1. Error: py4j.protocol.Py4JJavaError"],
            "slow-c1" => ["RUNNING"],
            _ => ["CANCELLING:cancelled from the console"],
        };
        using var h = new EngineHarness(env: k => env.GetValueOrDefault(k));
        var job = Repo.Path_("examples", "jobs", "acme", "postgres_orders.yaml");
        var yaml = Pipeline("ok, bad, gone", extra: $"    job: {job}");
        // the slow item in a task of its own, so that only it has a (short) timeout
        var slow = yaml[yaml.IndexOf("  - name: process", StringComparison.Ordinal)..yaml.IndexOf("  - name: summarize", StringComparison.Ordinal)]
            .Replace("name: process", "name: process_slow", StringComparison.Ordinal).Replace("values: [ok, bad, gone]", "values: [slow]", StringComparison.Ordinal)
            .Replace($"    job: {job}", "    timeout: 300ms", StringComparison.Ordinal);
        var p = h.Load(yaml.Replace("  - name: summarize", slow + "  - name: summarize", StringComparison.Ordinal).Replace("depends_on: [process]", "depends_on: [process, process_slow]", StringComparison.Ordinal));

        var run = await h.RunAsync(p, "c1");

        server.AssertValid();
        var items = (await h.ItemsAsync(run.RunId, "process")).Concat(await h.ItemsAsync(run.RunId, "process_slow")).ToDictionary(i => i.Dataset!);
        Assert.Equal(RunStatus.Succeeded, items["ok"].Status);
        Assert.Equal("0.25", items["ok"].Outputs["vcpu_hours"]);
        Assert.Equal(RunStatus.Failed, items["bad"].Status);
        Assert.Contains("FAILED: Job failed, ExitCode: 1. Error: py4j.protocol.Py4JJavaError", items["bad"].Error, StringComparison.Ordinal);
        Assert.Equal(RunStatus.TimedOut, items["slow"].Status);
        Assert.Equal(RunStatus.Failed, items["gone"].Status);
        Assert.Contains("was cancelled outside this run (CANCELLING): cancelled from the console", items["gone"].Error, StringComparison.Ordinal);

        var runs = emr.Runs.ToDictionary(r => r.Name);
        Assert.Equal(3, runs["bad-c1"].Polls); // polled until FAILED, not until the timeout
        Assert.True(runs["slow-c1"].CancelRequested);
        Assert.Equal("CANCELLED", runs["slow-c1"].State);
        Assert.Empty(emr.LeftRunning);
        Assert.Equal(1, server.Calls("CancelJobRun"));

        // the request: name, entry point, arguments, spark parameters, log URI, role, a token per attempt, the job's tags
        var request = runs["ok-c1"].Request;
        Assert.Equal("s3://dev-pyspark-jobs-codepackage/pkg/entry_script/run_main.py", (string?)request["jobDriver"]!["sparkSubmit"]!["entryPoint"]);
        Assert.Equal("--load_type,sample,--data_set,ok,--path,s3://dev-collection-data/",
            string.Join(",", request["jobDriver"]!["sparkSubmit"]!["entryPointArguments"]!.AsArray().Select(a => (string?)a)));
        Assert.Equal("s3://dev-pyspark-jobs-logs/", (string?)request["configurationOverrides"]!["monitoringConfiguration"]!["s3MonitoringConfiguration"]!["logUri"]);
        Assert.Null(request["executionTimeoutMinutes"]);
        Assert.Equal(6, (long)runs["slow-c1"].Request["executionTimeoutMinutes"]!); // the service's own backstop: task timeout + 5 minutes
        var tags = request["tags"]!.AsObject();
        Assert.Equal("data-engineering", (string?)tags["CostCenter"]);
        Assert.Equal("customer-analytics", (string?)tags["Project"]);
        Assert.Equal("ok", (string?)tags["DativoDataset"]);
        Assert.Equal("c1", (string?)tags["DativoCorrelationId"]);
        Assert.Equal(4, emr.Runs.Select(r => (string?)r.Request["clientToken"]).Distinct().Count());

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(h.Dir.Path, "summary.json")))!;
        Assert.Equal((3, 1, 2), ((int)summary["total"]!, (int)summary["succeeded"]!, (int)summary["failed"]!));
        var log = File.ReadAllText(items["ok"].Attempts[0].Log!);
        Assert.Contains("billed 0.25 vCPU-hours, 1.5 memory GB-hours, 5 storage GB-hours", log, StringComparison.Ordinal);
        Assert.Contains(": QUEUED", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_thousand_dataset_fan_out_keeps_the_concurrency_limit_and_rides_out_throttling()
    {
        var (server, emr, env) = Start();
        using var _ = server;
        emr.Script = _ => ["RUNNING", "SUCCESS"];
        emr.ThrottleStart = n => n % 5 == 0;
        emr.ThrottleGet = n => n % 7 == 0;
        using var h = new EngineHarness(env: k => env.GetValueOrDefault(k));
        var names = Enumerable.Range(0, 1000).Select(i => $"ds{i:D4}").ToList();
        var p = h.Load(Pipeline(string.Join(", ", names), concurrency: 100, maxRuns: "20"));

        var run = await h.RunAsync(p, "big");

        server.AssertValid();
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(1000, emr.Runs.Count); // one job run per dataset: throttled submissions were not doubled
        Assert.Equal(names, emr.Runs.Select(r => r.Name.Replace("-big", "", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.InRange(emr.MaxActive, 1, 20);
        Assert.True(server.Calls("StartJobRun") > 1000, "throttled StartJobRun calls were retried");
        Assert.Empty(emr.LeftRunning);
    }

    [Fact]
    public async Task Cancelling_the_run_cancels_every_job_run_it_started()
    {
        var (server, emr, env) = Start();
        using var _ = server;
        emr.Script = _ => ["PENDING", "RUNNING"];
        using var h = new EngineHarness(env: k => env.GetValueOrDefault(k));
        var p = h.Load(Pipeline(string.Join(", ", Enumerable.Range(0, 30).Select(i => $"d{i}")), concurrency: 30, maxRuns: "6"));
        using var cts = new CancellationTokenSource();

        var running = h.RunAsync(p, "cancelme", cts.Token);
        await emr.WhenActive(6);
        await cts.CancelAsync();
        var run = await running;

        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal(6, emr.Runs.Count); // the waiting items never submitted
        Assert.Empty(emr.LeftRunning);
        Assert.All(emr.Runs, r => Assert.Equal("CANCELLED", r.State));
        server.AssertValid();
    }

    [Fact]
    public void Settings_are_checked_when_the_pipeline_loads()
    {
        using var h = new EngineHarness();
        var e = Assert.Throws<Dativo.Core.Config.ConfigException>(() => h.Load("""
            name: bad
            tasks:
              - name: process
                type: emr_serverless
                with:
                  application_id: App-1
                  execution_role_arn: my-role
                  entry_point: /local/run.py
                  arguments: {a: 1}
                  max_concurrent_runs: 0
                  poll_intervall: 5s
            """));
        Assert.Contains("with.application_id: 'App-1' is not an EMR Serverless application id", e.Message, StringComparison.Ordinal);
        Assert.Contains("with.execution_role_arn: 'my-role' is not an IAM role ARN", e.Message, StringComparison.Ordinal);
        Assert.Contains("with.entry_point: '/local/run.py' is not an s3:// URI", e.Message, StringComparison.Ordinal);
        Assert.Contains("with.arguments: write arguments as a list", e.Message, StringComparison.Ordinal);
        Assert.Contains("with.max_concurrent_runs: '0' is not a whole number ≥ 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("unknown setting 'poll_intervall' for a emr_serverless task (did you mean 'poll_interval'?)", e.Message, StringComparison.Ordinal);
    }
}
