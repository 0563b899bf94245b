using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Dativo.Aws;
using Dativo.Streaming.Config;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Runtime;
using Dativo.Streaming.Sources.Kinesis;

namespace Dativo.Streaming.Tests;

/// <summary>Creates and writes Kinesis streams on kinesalite, and runs the delivery service reading them.</summary>
internal sealed class KinesisTestKit(string endpoint)
{
    public const string AccessKey = "AKIDKINESISTEST";
    public const string Secret = "kinesis-test-secret";

    private readonly AwsJsonClient _admin = new(AwsService.Kinesis, new AwsClientOptions
    {
        Region = "us-east-1",
        Endpoint = new Uri(endpoint),
        Credentials = new BasicAWSCredentials(AccessKey, Secret),
        Env = _ => null,
    });

    public async Task CreateAsync(string stream, int shards)
    {
        await _admin.CallAsync("CreateStream", new JsonObject { ["StreamName"] = stream, ["ShardCount"] = shards }, default);
        await ActiveAsync(stream);
    }

    /// <summary>Puts the records in batches of 500, in order; returns the shard each went to.</summary>
    public async Task<List<string>> PutAsync(string stream, IReadOnlyList<(string Key, string Json)> records)
    {
        var shards = new List<string>();
        foreach (var chunk in records.Chunk(500))
        {
            var entries = new JsonArray([.. chunk.Select(r => (JsonNode)new JsonObject { ["Data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(r.Json)), ["PartitionKey"] = r.Key })]);
            var answer = await _admin.CallAsync("PutRecords", new JsonObject { ["StreamName"] = stream, ["Records"] = entries }, default);
            Assert.Equal(0, (int)answer["FailedRecordCount"]!);
            shards.AddRange(answer["Records"]!.AsArray().Select(r => (string)r!["ShardId"]!));
        }
        return shards;
    }

    /// <summary>Splits a shard at the middle of its hash range (kinesalite applies it at once).</summary>
    public async Task SplitAsync(string stream, string shardId)
    {
        var shards = await _admin.CallAsync("ListShards", new JsonObject { ["StreamName"] = stream }, default);
        var range = shards["Shards"]!.AsArray().Single(s => (string)s!["ShardId"]! == shardId)!["HashKeyRange"]!;
        var middle = (System.Numerics.BigInteger.Parse((string)range["StartingHashKey"]!) + System.Numerics.BigInteger.Parse((string)range["EndingHashKey"]!)) / 2;
        await _admin.CallAsync("SplitShard", new JsonObject { ["StreamName"] = stream, ["ShardToSplit"] = shardId, ["NewStartingHashKey"] = middle.ToString() }, default);
        await ActiveAsync(stream);
    }

    private async Task ActiveAsync(string stream)
    {
        for (var i = 0; i < 200; i++)
        {
            var d = await _admin.CallAsync("DescribeStreamSummary", new JsonObject { ["StreamName"] = stream }, default);
            if ((string?)d["StreamDescriptionSummary"]!["StreamStatus"] == "ACTIVE") return;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"stream {stream} did not become ACTIVE");
    }

    /// <summary>A stream file reading <paramref name="stream"/>, partitioned by customer (no timestamp but the year), loaded and mapped.</summary>
    public ServiceSettings Settings(string dir, string stream, string state = "", Func<KinesisSourceSettings, KinesisSourceSettings>? change = null)
    {
        var file = Path.Combine(dir, "streams.yaml");
        File.WriteAllText(file, $$$"""
            data_dir: data
            {{{state}}}
            streams:
              - name: clicks
                buffering_interval: 900
                compression_format: UNCOMPRESSED
                enable_dynamic_partitioning: true
                dynamic_partitioning_config:
                  jq_metadata_query: "{customer: .customer}"
                  s3_dynamic_prefix: "data/customer=!{partitionKeyFromQuery:customer}/year=!{timestamp:yyyy}/"
                  s3_error_prefix: "errors/!{firehose:error-output-type}/"
                  enable_newline_appending: true
                source:
                  kinesis: {stream_name: {{{stream}}}, endpoint: "{{{endpoint}}}", region: us-east-1, access_key_id: {{{AccessKey}}}, secret_access_key: "${KINESIS_SECRET}"}
                destination: {local: {path: lake}}
            """);
        var settings = StreamServiceMapping.ToServiceSettings(StreamConfigLoader.Load(file, n => n == "KINESIS_SECRET" ? Secret : null), portOverride: 0);
        var fast = settings.Streams[0].KinesisSource! with
        {
            MinReadInterval = TimeSpan.FromMilliseconds(10),
            IdlePollInterval = TimeSpan.FromMilliseconds(50),
            ShardListInterval = TimeSpan.FromMilliseconds(200),
        };
        return settings with { Streams = [settings.Streams[0] with { KinesisSource = change is null ? fast : change(fast) }] };
    }

    /// <summary>Records of customers c0..c7, each with its running number per customer.</summary>
    public static List<(string Key, string Json)> Records(string run, int count, int customers = 8)
    {
        var seen = new int[customers];
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var c = i % customers;
            return ($"c{c}", $"{{\"customer\":\"c{c}\",\"i\":{seen[c]++},\"run\":\"{run}\",\"n\":{i}}}");
        })];
    }

    /// <summary>Every delivered line: object key → its lines.</summary>
    public static Dictionary<string, string[]> Lines(string lake) =>
        StreamTestKit.Objects(lake).ToDictionary(o => o.Key, o => o.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    public static string Checksum(IEnumerable<string> lines) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", lines.Order(StringComparer.Ordinal)))));
}

/// <summary>Follows a consumer's progress: every event in order, and a wait for a number of checkpointed records.</summary>
internal sealed class KinesisWatch
{
    private readonly ConcurrentQueue<KinesisProgress> _events = new();
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waits = [];
    private int _checkpointed;

    public KinesisWatch(KinesisConsumer consumer) => consumer.Progress += On;

    public IReadOnlyList<KinesisProgress> Events => [.. _events];

    public int Checkpointed => Volatile.Read(ref _checkpointed);

    /// <summary>Completes once at least <paramref name="count"/> records are checkpointed (a generous guard against a hang).</summary>
    public Task AtLeastAsync(int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_checkpointed >= count) return Task.CompletedTask;
            _waits.Add((count, done));
        }
        return done.Task.WaitAsync(TimeSpan.FromSeconds(90));
    }

    private void On(KinesisProgress p)
    {
        _events.Enqueue(p);
        lock (_gate)
        {
            if (p.Kind == KinesisProgressKind.Checkpointed) _checkpointed += p.Records;
            foreach (var w in _waits.Where(w => _checkpointed >= w.Count).ToList())
            {
                w.Done.TrySetResult();
                _waits.Remove(w);
            }
        }
    }
}

/// <summary>The system clock moved by an offset (timers stay real): shows which clock an arrival time came from.</summary>
internal sealed class ShiftedTime(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
