using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Aws.Testing;
using Dativo.Streaming.Config;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Sources.Kinesis;
using Dativo.Testing;

namespace Dativo.Streaming.Tests;

/// <summary>
/// The consumer against a scripted Kinesis that accepts only requests valid under the botocore model
/// (tests/fixtures/aws-models/kinesis.service-2.json) and correctly signed: a stream given by ARN, AT_TIMESTAMP,
/// an expired iterator taken again from the checkpoint, a closed parent and its child.
/// </summary>
public sealed class KinesisModelCheckTests
{
    private const string Arn = "arn:aws:kinesis:eu-west-2:123456789012:stream/clicks-in";
    private const string Parent = "shardId-000000000000";
    private const string Child = "shardId-000000000001";

    private readonly ConcurrentQueue<string> _calls = new();
    private int _expired;

    private static JsonObject Shard(string id, string? parent = null)
    {
        var s = new JsonObject
        {
            ["ShardId"] = id,
            ["HashKeyRange"] = new JsonObject { ["StartingHashKey"] = "0", ["EndingHashKey"] = "340282366920938463463374607431768211455" },
            ["SequenceNumberRange"] = new JsonObject { ["StartingSequenceNumber"] = id == Parent ? "1000" : "2000" },
        };
        if (parent is not null) s["ParentShardId"] = parent;
        return s;
    }

    private static JsonObject Records(string? next, params (string Seq, string Text)[] records)
    {
        var answer = new JsonObject
        {
        ["Records"] = new JsonArray([.. records.Select(r => (JsonNode)new JsonObject
        {
            ["SequenceNumber"] = r.Seq,
            ["ApproximateArrivalTimestamp"] = 1767323045.5m,
            ["Data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(r.Text)),
            ["PartitionKey"] = "k",
        })]),
        ["MillisBehindLatest"] = 0,
        };
        if (next is not null) answer["NextShardIterator"] = next; // absent: the shard is closed and read to its end
        return answer;
    }

    private ModelAnswer Handle(string op, JsonObject input)
    {
        var shard = (string?)input["ShardId"];
        var type = (string?)input["ShardIteratorType"];
        _calls.Enqueue(string.Join(' ', new[] { op, shard, type, (string?)input["StartingSequenceNumber"], (string?)input["ShardIterator"] }.OfType<string>()));
        return op switch
        {
            "ListShards" => ModelAnswer.Ok(new JsonObject { ["Shards"] = new JsonArray(Shard(Parent), Shard(Child, Parent)) }),
            "GetShardIterator" when shard == Parent && type == "AT_TIMESTAMP" => ModelAnswer.Ok(new JsonObject { ["ShardIterator"] = "parent-a" }),
            "GetShardIterator" when shard == Parent && type == "AFTER_SEQUENCE_NUMBER" && (string?)input["StartingSequenceNumber"] == "1001"
                => ModelAnswer.Ok(new JsonObject { ["ShardIterator"] = "parent-b" }),
            "GetShardIterator" when shard == Child => ModelAnswer.Ok(new JsonObject { ["ShardIterator"] = "child-a" }),
            "GetRecords" => (string?)input["ShardIterator"] switch
            {
                "parent-a" => ModelAnswer.Ok(Records("parent-a2", ("1000", "{\"n\":1}"), ("1001", "{\"n\":2}"))),
                "parent-a2" => Interlocked.Increment(ref _expired) == 1
                    ? ModelAnswer.Error("ExpiredIteratorException", "Iterator expired.")
                    : ModelAnswer.Error("InvalidArgumentException", "an expired iterator was used twice"),
                "parent-b" => ModelAnswer.Ok(Records(null, ("1002", "{\"n\":3}"))),
                "child-a" => ModelAnswer.Ok(Records("child-b", ("2000", "{\"n\":4}"))),
                _ => ModelAnswer.Ok(Records("child-b")),
            },
            _ => ModelAnswer.Error("InvalidArgumentException", $"unexpected {op}"),
        };
    }

    [Fact]
    public async Task Every_request_of_the_consumer_is_valid_for_the_kinesis_model()
    {
        using var server = new ModelCheckedAwsServer("kinesis", Handle);
        using var dir = new TempDir();
        var file = dir.File("streams.yaml", $$$"""
            data_dir: data
            streams:
              - name: clicks
                compression_format: UNCOMPRESSED
                dynamic_partitioning_config: {enable_newline_appending: true}
                source:
                  kinesis:
                    stream_arn: {{{Arn}}}
                    endpoint: "{{{server.Endpoint}}}"
                    starting_position: AT_TIMESTAMP
                    starting_timestamp: "2026-01-02T03:00:00Z"
                    access_key_id: {{{ModelCheckedAwsServer.AccessKey}}}
                    secret_access_key: "${MODEL_SECRET}"
                destination: {local: {path: lake}}
            """);
        var settings = StreamServiceMapping.ToServiceSettings(StreamConfigLoader.Load(file, n => n == "MODEL_SECRET" ? ModelCheckedAwsServer.SecretKey : null), portOverride: 0);
        var k = settings.Streams[0].KinesisSource!;
        Assert.Equal(("clicks-in", "eu-west-2"), (k.StreamName, k.Region));
        settings = settings with
        {
            Streams = [settings.Streams[0] with { KinesisSource = k with { MinReadInterval = TimeSpan.Zero, IdlePollInterval = TimeSpan.FromMilliseconds(20), ShardListInterval = TimeSpan.FromMinutes(5) } }],
        };

        await using (var service = new StreamingService(settings, TimeProvider.System))
        {
            var watch = new KinesisWatch(service.KinesisSources["clicks"]);
            await service.StartAsync(default);
            await watch.AtLeastAsync(4);
            await service.StopAsync();
        }

        server.AssertValid();
        var calls = _calls.ToList();
        Assert.Equal([
            $"GetShardIterator {Parent} AT_TIMESTAMP",
            "GetRecords parent-a",
            "GetRecords parent-a2",
            $"GetShardIterator {Parent} AFTER_SEQUENCE_NUMBER 1001", // the expired iterator, taken again after the checkpoint
            "GetRecords parent-b",
            $"GetShardIterator {Child} AT_TIMESTAMP"], // the child only once the parent is finished
            calls.Where(c => !c.StartsWith("ListShards", StringComparison.Ordinal) && !c.StartsWith("GetRecords child", StringComparison.Ordinal)));
        var lines = KinesisTestKit.Lines(Path.Combine(dir.Path, "lake")).Values.SelectMany(l => l).Order(StringComparer.Ordinal);
        Assert.Equal(["{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"], lines);
    }
}
