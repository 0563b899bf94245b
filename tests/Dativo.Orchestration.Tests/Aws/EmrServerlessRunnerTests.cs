using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Dativo.Aws;
using Dativo.Aws.Testing;
using Dativo.Orchestration.Runs;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Orchestration.Tests.Aws;

/// <summary>
/// <c>emr_serverless</c> with <c>runner: dativo</c>: Dativo's Spark runner and each item's spec are uploaded to the
/// staging prefix (s3rver) and the job runs (model-checked EMR Serverless simulator) start the runner with that spec.
/// </summary>
public sealed class EmrServerlessRunnerTests(S3BucketFixture s3) : IClassFixture<S3BucketFixture>
{
    private string Pipeline => $$$"""
        name: emr_runner
        tasks:
          - name: process
            type: emr_serverless
            foreach: {sources: [{values: [orders, "eu/returns"]}]}
            with:
              application_id: 00fabcdef1234567
              execution_role_arn: arn:aws:iam::123456789012:role/emr-serverless-job
              runner: dativo
              staging: s3://{{{s3.Bucket}}}/dativo-staging
              arguments: [--verbose]
              poll_interval: 2ms
              max_poll_interval: 10ms
              spec:
                catalog: {uri: "jdbc:postgresql://catalog:5432/lake", warehouse: "s3://lake/warehouse", password_env: DATIVO_CATALOG_PASSWORD}
                inputs: {src: raw.events}
                day: {column: event_date, value: "{{ export_date }}"}
                statements: ["SELECT * FROM src WHERE dataset = '{{ dataset }}'"]
                output: {table: analytics.events, mode: overwrite_partitions}
        """;

    [SkippableFact]
    public async Task The_runner_and_each_items_spec_are_uploaded_and_the_job_runs_start_them()
    {
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        var emr = new EmrServerlessSimulator();
        using var server = new ModelCheckedAwsServer("emr-serverless", emr.Handle, (s3.AccessKey, s3.SecretKey));
        var env = new Dictionary<string, string>(server.Environment(AwsService.EmrServerless.EndpointVariable)) { ["AWS_ENDPOINT_URL_S3"] = s3.Endpoint };
        using var h = new EngineHarness(env: k => env.GetValueOrDefault(k));
        var p = h.Load(Pipeline);

        var first = await h.Engine.RunAsync(p, new RunRequest("c1", "2026-11-01"), default);
        var second = await h.Engine.RunAsync(p, new RunRequest("c2", "2026-11-02"), default);

        server.AssertValid();
        Assert.Equal((RunStatus.Succeeded, RunStatus.Succeeded), (first.Status, second.Status));
        using var client = new AmazonS3Client(new BasicAWSCredentials(s3.AccessKey, s3.SecretKey), new AmazonS3Config { ServiceURL = s3.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var keys = (await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = "dativo-staging/" })).S3Objects.Select(o => o.Key).Order().ToList();
        var runnerKey = Assert.Single(keys, k => k.StartsWith("dativo-staging/runner/", StringComparison.Ordinal)); // content-addressed: one object for both runs
        Assert.Matches("^dativo-staging/runner/dativo_spark_runner-[0-9a-f]{16}\\.py$", runnerKey);
        Assert.Equal(await File.ReadAllTextAsync(Repo.Path_("spark", "dativo_spark_runner.py")), await ReadAsync(client, runnerKey));

        var runs = emr.Runs.ToDictionary(r => r.Name);
        Assert.Equal(4, runs.Count);
        foreach (var (correlation, day) in new[] { ("c1", "2026-11-01"), ("c2", "2026-11-02") })
            foreach (var (dataset, segment) in new[] { ("orders", "orders"), ("eu/returns", "eu_returns-") })
            {
                var specKey = Assert.Single(keys, k => k.StartsWith($"dativo-staging/specs/{correlation}/process/{segment}", StringComparison.Ordinal));
                var spec = JsonNode.Parse(await ReadAsync(client, specKey))!;
                Assert.Equal(1, (int)spec["version"]!);
                Assert.Equal($"SELECT * FROM src WHERE dataset = '{dataset}'", (string?)spec["statements"]![0]);
                Assert.Equal(day, (string?)spec["day"]!["value"]);
                Assert.Equal("analytics.events", (string?)spec["output"]!["table"]);

                var submit = runs[$"{dataset}-{correlation}"].Request["jobDriver"]!["sparkSubmit"]!;
                Assert.Equal($"s3://{s3.Bucket}/{runnerKey}", (string?)submit["entryPoint"]);
                Assert.Equal(["--spec", $"s3://{s3.Bucket}/{specKey}", "--verbose"], submit["entryPointArguments"]!.AsArray().Select(a => (string?)a));
            }
        // the second run found the runner staged: uploaded once per version, not per run
        var c2Logs = Directory.GetFiles(Path.Combine(h.Dir.Path, "logs", "emr_runner", "c2"), "*.log", SearchOption.AllDirectories);
        Assert.Equal(2, c2Logs.Length);
        Assert.All(c2Logs, f => Assert.Contains($"runner s3://{s3.Bucket}/{runnerKey} is staged already", File.ReadAllText(f), StringComparison.Ordinal));
    }

    [Fact]
    public void A_dativo_runner_task_needs_staging_and_spec_and_no_entry_point()
    {
        using var h = new EngineHarness();
        var e = Assert.ThrowsAny<Core.Errors.DativoException>(() => h.Load("""
            name: bad
            tasks:
              - name: process
                type: emr_serverless
                with:
                  application_id: 00fabcdef1234567
                  execution_role_arn: arn:aws:iam::123456789012:role/emr-serverless-job
                  runner: dativo
                  entry_point: s3://code/main.py
                  staging: /tmp/local
            """));
        Assert.Contains("with runner: dativo needs with.spec", e.Message, StringComparison.Ordinal);
        Assert.Contains("leave entry_point out", e.Message, StringComparison.Ordinal);
        Assert.Contains("is not an s3://bucket/prefix URI", e.Message, StringComparison.Ordinal);
    }

    private async Task<string> ReadAsync(AmazonS3Client client, string key)
    {
        using var o = await client.GetObjectAsync(new GetObjectRequest { BucketName = s3.Bucket, Key = key });
        using var r = new StreamReader(o.ResponseStream);
        return await r.ReadToEndAsync();
    }
}
