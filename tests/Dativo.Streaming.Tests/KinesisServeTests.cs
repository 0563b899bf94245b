using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Streaming.Tests;

/// <summary>
/// The real <c>dativo stream serve</c> reading a two-shard Kinesis stream (kinesalite) that a stock client
/// (@aws-sdk/client-kinesis, with KPL aggregation by aws-kinesis-agg) writes: every user record lands once under its
/// partition prefix; after SIGTERM and a restart nothing is delivered again and new records go on from the checkpoints.
/// </summary>
public sealed partial class KinesisServeTests(KinesisFixture kinesis) : IClassFixture<KinesisFixture>
{
    private const string Secret = "kinesis-serve-secret";

    [SkippableFact]
    public async Task Plain_and_kpl_aggregated_records_land_once_each_across_a_sigterm_and_a_restart()
    {
        SkipWithoutServices();
        using var dir = new TempDir();
        var stream = KinesisFixture.NewStreamName();
        var config = Config(dir, stream, bufferingInterval: 900);
        var lake = Path.Combine(dir.Path, "lake");

        var first = await PutAsync(stream, "b1", createShards: 2);
        Assert.Equal(2, first.Shards.Distinct().Count());
        await RunUntilReadAsync(dir.Path, config, first.KinesisRecords);
        var afterFirst = StreamTestKit.Objects(lake);
        Assert.Equal(first.Ids.Order(), Delivered(afterFirst).Order());

        // put while the service is down: the restart reads them after its checkpoints, and only them
        var second = await PutAsync(stream, "b2");
        await RunUntilReadAsync(dir.Path, config, second.KinesisRecords);
        var afterSecond = StreamTestKit.Objects(lake);
        Assert.All(afterFirst, o => Assert.Equal(o.Value, afterSecond[o.Key])); // the first run's objects stay as they were
        var added = afterSecond.Where(o => !afterFirst.ContainsKey(o.Key)).ToDictionary(o => o.Key, o => o.Value);
        Assert.Equal(second.Ids.Order(), Delivered(added).Order());
        Assert.DoesNotContain(afterSecond.Keys, k => k.StartsWith("errors/", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_kill_between_the_log_sync_and_the_checkpoint_reads_no_batch_twice()
    {
        SkipWithoutServices();
        using var dir = new TempDir();
        var stream = KinesisFixture.NewStreamName();
        var config = Config(dir, stream, bufferingInterval: 0);
        var lake = Path.Combine(dir.Path, "lake");
        var batch = await PutAsync(stream, "k1", createShards: 2);

        // the first batch is synced in the log, then the process dies before its checkpoint is written
        using (var killed = CliRunner.Start(dir.Path, ["stream", "serve", "--config", config, "--port", "0"],
            [new("KINESIS_SECRET", Secret), new("DATIVO_FAULTS", "stream.kinesis.before-checkpoint=kill")]))
        {
            using var start = new CancellationTokenSource(TimeSpan.FromMinutes(10)); // the first run may publish the CLI
            await killed.WaitForExitAsync(start.Token);
            Assert.Equal(137, killed.ExitCode);
        }

        // the restart replays the log (delivering that batch) and reads each shard on from its logged position; records
        // put meanwhile come after the batch in their shards, so once they landed the readers are past it
        var after = await PutAsync(stream, "k2");
        var all = batch.Ids.Concat(after.Ids).ToList();
        await RunUntilAsync(dir.Path, config, (_, _) => // polling the lake for every record, not waiting out a race
            Task.FromResult(all.All(new HashSet<string>(Delivered(Landed(lake))).Contains)));
        Assert.Equal(all.Order(), Delivered(StreamTestKit.Objects(lake)).Order()); // every record once
    }

    private void SkipWithoutServices()
    {
        Skip.If(kinesis.SkipReason is not null, kinesis.SkipReason);
        Skip.IfNot(File.Exists(Repo.Path_("tests", "services", "node_modules", "@aws-sdk", "client-kinesis", "package.json")) &&
            File.Exists(Repo.Path_("tests", "services", "node_modules", "aws-kinesis-agg", "package.json")),
            "tests/services/node_modules lacks @aws-sdk/client-kinesis or aws-kinesis-agg: run `npm install` in tests/services");
    }

    /// <summary>A stream file: one delivery stream reading <paramref name="stream"/>, partitioned by customer, into ./lake.</summary>
    private string Config(TempDir dir, string stream, int bufferingInterval) => dir.File("streams.yaml", $$$"""
        data_dir: data
        auth: none
        streams:
          - name: clicks
            buffering_interval: {{{bufferingInterval}}}
            compression_format: UNCOMPRESSED
            enable_dynamic_partitioning: true
            dynamic_partitioning_config:
              jq_metadata_query: "{customer: .customer}"
              s3_dynamic_prefix: "data/customer=!{partitionKeyFromQuery:customer}/"
              s3_error_prefix: "errors/!{firehose:error-output-type}/"
              enable_newline_appending: true
            source:
              kinesis: {stream_name: {{{stream}}}, endpoint: "{{{kinesis.Endpoint}}}", region: us-east-1, access_key_id: AKIDSERVE, secret_access_key: "${KINESIS_SECRET}"}
            destination: {local: {path: lake}}
        """);

    /// <summary>The objects that landed so far (not the ones being written, which are hidden temp files).</summary>
    private static IEnumerable<KeyValuePair<string, string>> Landed(string lake) =>
        Directory.Exists(lake)
            ? Directory.GetFiles(lake, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.'))
                .Select(f => KeyValuePair.Create(Path.GetRelativePath(lake, f).Replace('\\', '/'), File.ReadAllText(f)))
            : [];

    /// <summary>Ids of every delivered line (a line in the wrong prefix fails), in object order.</summary>
    private static List<string> Delivered(IEnumerable<KeyValuePair<string, string>> objects)
    {
        var ids = new List<string>();
        foreach (var (key, text) in objects)
        {
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var record = JsonNode.Parse(line)!;
                Assert.StartsWith($"data/customer={record["customer"]}/clicks-", key, StringComparison.Ordinal);
                ids.Add((string)record["id"]!);
            }
        }
        return ids;
    }

    private sealed record Batch(List<string> Ids, List<string> Shards, int KinesisRecords);

    /// <summary>
    /// 24 plain records and 4 KPL aggregates of 10 user records each, two aggregates per shard (their explicit hash
    /// keys pick the shard), through kinesis-client.js.
    /// </summary>
    private async Task<Batch> PutAsync(string stream, string batch, int createShards = 0)
    {
        var ids = new List<string>();
        object Record(int n)
        {
            var id = $"{batch}-{n}";
            ids.Add(id);
            return new { key = $"key-{n}", data = JsonSerializer.Serialize(new { customer = $"c{n % 4}", id }) };
        }
        var records = Enumerable.Range(0, 24).Select(Record).ToList();
        var aggregates = Enumerable.Range(0, 4).Select(a => Enumerable.Range(100 + a * 10, 10).Select(n =>
        {
            var r = Record(n);
            var json = JsonSerializer.SerializeToNode(r)!;
            json["explicitHashKey"] = a % 2 == 0 ? "1" : "300000000000000000000000000000000000000";
            return json;
        }).ToList()).ToList();
        var plan = new JsonObject
        {
            ["mode"] = "put", ["endpoint"] = kinesis.Endpoint, ["accessKeyId"] = "AKIDSERVE", ["secretAccessKey"] = Secret,
            ["stream"] = stream, ["createShards"] = createShards,
            ["records"] = JsonSerializer.SerializeToNode(records), ["aggregates"] = JsonSerializer.SerializeToNode(aggregates),
        };
        var psi = new ProcessStartInfo(ServiceProcesses.OnPath("node")!)
        {
            WorkingDirectory = Repo.Path_("tests", "services"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Repo.Path_("tests", "services", "kinesis-client.js"));
        psi.ArgumentList.Add(plan.ToJsonString());
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, await stderr);
        var puts = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(24 + 4, puts.Count);
        var aggregateShards = puts.Skip(24).Select(r => (string)r["shard"]!).ToList();
        Assert.Equal(2, aggregateShards.Distinct().Count());
        Assert.All(puts.Skip(24), r => Assert.Equal(10, (int)r["users"]!));
        return new Batch(ids, [.. puts.Select(r => (string)r["shard"]!)], puts.Count);
    }

    /// <summary>
    /// Starts the service, waits until it has taken <paramref name="kinesisRecords"/> Kinesis records into its log
    /// (its IncomingRecords metric), then stops it with SIGTERM (it checkpoints and delivers every buffer).
    /// </summary>
    private static Task RunUntilReadAsync(string dir, string config, int kinesisRecords) =>
        RunUntilAsync(dir, config, async (endpoint, ct) =>
        {
            using var http = new HttpClient();
            var match = IncomingRecords().Match(await http.GetStringAsync(endpoint + "/metrics", ct));
            return match.Success && long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) >= kinesisRecords;
        });

    /// <summary>
    /// Starts the service, polls <paramref name="done"/> (given its endpoint) until true, then stops it with SIGTERM
    /// and checks it exited cleanly.
    /// </summary>
    private static async Task RunUntilAsync(string dir, string config, Func<string, CancellationToken, Task<bool>> done)
    {
        using var p = CliRunner.Start(dir, ["stream", "serve", "--config", config, "--port", "0"], [new("KINESIS_SECRET", Secret)]);
        var stderr = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        try
        {
            using var start = new CancellationTokenSource(TimeSpan.FromMinutes(10)); // the first run publishes the CLI
            var line = await p.StandardOutput.ReadLineAsync(start.Token);
            if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
                lock (stderr) Assert.Fail($"dativo stream serve did not start: {line} {stderr}");
            var endpoint = line!["listening on ".Length..].Split(' ')[0].TrimEnd('/');
            using var waiting = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (!await done(endpoint, waiting.Token)) await Task.Delay(100, waiting.Token); // polling a condition, not waiting out a race
            Assert.Equal(0, ServiceProcesses.Run("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]).ExitCode);
            using var exit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await p.WaitForExitAsync(exit.Token);
            lock (stderr) Assert.True(p.ExitCode == 0, $"exit code {p.ExitCode}: {stderr}");
        }
        finally
        {
            if (!p.HasExited) p.Kill();
        }
    }

    [GeneratedRegex("""^dativo_stream_incoming_records_total\{stream="clicks"\} (\d+)$""", RegexOptions.Multiline)]
    private static partial Regex IncomingRecords();
}
