using System.Diagnostics;
using System.Text.Json.Nodes;
using Dativo.Aws;
using Dativo.Aws.Testing;
using Dativo.Orchestration.Runs;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests.Aws;

/// <summary>
/// The seed-002 example (examples/pipelines/emr_serverless_multi.yaml) run by the real <c>./dativo</c> against
/// model-checked local Secrets Manager (the dataset list) and EMR Serverless servers.
/// </summary>
public sealed class EmrServerlessCliTests
{
    private static readonly string Example = Repo.Path_("examples", "pipelines", "emr_serverless_multi.yaml");

    private sealed class Aws : IDisposable
    {
        public Aws(IReadOnlyList<string> datasets)
        {
            Emr = new EmrServerlessSimulator();
            EmrServer = new ModelCheckedAwsServer("emr-serverless", Emr.Handle);
            var list = new JsonArray([.. datasets.Select(d => (JsonNode)d)]).ToJsonString();
            Secrets = new ModelCheckedAwsServer("secretsmanager", (op, input) => op == "GetSecretValue" && (string?)input["SecretId"] == "development/emr_datasets_list"
                ? ModelAnswer.Ok(new JsonObject { ["Name"] = "development/emr_datasets_list", ["SecretString"] = list })
                : ModelAnswer.Error("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
            Env = new Dictionary<string, string>(EmrServer.Environment(AwsService.EmrServerless.EndpointVariable))
            {
                [AwsService.SecretsManager.EndpointVariable] = Secrets.Endpoint.ToString(),
            };
        }

        public EmrServerlessSimulator Emr { get; }
        public ModelCheckedAwsServer EmrServer { get; }
        public ModelCheckedAwsServer Secrets { get; }
        public Dictionary<string, string> Env { get; }

        public void Dispose()
        {
            EmrServer.Dispose();
            Secrets.Dispose();
        }
    }

    [Fact]
    public async Task The_seed_002_example_runs_on_emr_serverless_with_a_summary_of_every_dataset()
    {
        using var aws = new Aws(["ancient-woodland", "conservation-area", "listed-building", "tree-preservation-order", "article-4-direction"]);
        aws.Emr.Script = r => (string?)r["name"] == "listed-building-t1"
            ? ["PENDING", "RUNNING", "FAILED:Job failed, please check complete logs in configured logging destination."]
            : ["PENDING", "SCHEDULED", "RUNNING", "SUCCESS"];
        using var dir = new TempDir();

        var r = await CliRunner.RunAsync(dir.Path, aws.Env, "pipeline", "run", Example, "--correlation-id", "t1", "--set", "poll_interval=5ms", "--json");

        Assert.True(r.ExitCode == 1, r.All); // finished, one item failed
        aws.EmrServer.AssertValid();
        aws.Secrets.AssertValid();
        var run = JsonNode.Parse(r.Stdout)!;
        var summary = run["summary"]!;
        Assert.Equal((5, 4, 1), ((int)summary["total"]!, (int)summary["succeeded"]!, (int)summary["failed"]!));
        var failed = summary["items"]!.AsArray().Single(i => (string?)i!["status"] == RunStatus.Failed)!;
        Assert.Equal("listed-building", (string?)failed["dataset"]);
        Assert.Equal(RunStatus.Succeeded, (string?)run["tasks"]!["summarize"]!["status"]);
        Assert.Equal(5, aws.Emr.Runs.Count);
        Assert.All(aws.Emr.Runs, j => Assert.EndsWith("-t1", j.Name, StringComparison.Ordinal));
        Assert.Equal(3, aws.Emr.Runs.Single(j => j.Name == "listed-building-t1").Polls);
    }

    [Fact]
    public async Task Sigterm_of_a_pipeline_run_cancels_every_job_run_before_the_process_exits()
    {
        using var aws = new Aws([.. Enumerable.Range(0, 40).Select(i => $"dataset-{i:D2}")]);
        aws.Emr.Script = _ => ["PENDING", "RUNNING"]; // never finishes on its own
        using var dir = new TempDir();
        using var p = CliRunner.Start(dir.Path, ["pipeline", "run", Example, "--correlation-id", "term", "--set", "poll_interval=5ms", "--set", "max_concurrent_runs=5"], aws.Env);
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(8)); // the launcher may first publish the CLI
        await aws.Emr.WhenActive(5).WaitAsync(limit.Token);

        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        await p.WaitForExitAsync(limit.Token);

        var output = await stdout + await stderr;
        Assert.True(aws.Emr.LeftRunning.Count == 0, $"left running: {string.Join(", ", aws.Emr.LeftRunning.Select(j => j.Name))}\n{output}");
        Assert.Equal(5, aws.Emr.Runs.Count); // the items waiting for a slot never submitted
        Assert.All(aws.Emr.Runs, j => Assert.True(j.CancelRequested));
        aws.EmrServer.AssertValid();
        var show = await CliRunner.RunAsync(dir.Path, "runs", "show", "emr_multi_dataset/term", "--json");
        Assert.Equal(RunStatus.Cancelled, (string?)JsonNode.Parse(show.Stdout)!["status"]);
    }
}
