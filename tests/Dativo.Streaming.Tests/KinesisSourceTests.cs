using System.Text.Json.Nodes;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Sources.Kinesis;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Streaming.Tests;

/// <summary>A delivery stream reading a Kinesis stream on kinesalite: delivery, restart from checkpoints, resharding, leases.</summary>
public sealed class KinesisSourceTests(KinesisFixture kinesis) : IClassFixture<KinesisFixture>
{
    private readonly KinesisTestKit _kit = new(kinesis.Endpoint);

    [SkippableFact]
    public async Task Records_of_a_two_shard_stream_land_under_their_partition_prefixes_with_the_kinesis_arrival_time()
    {
        Skip.If(kinesis.SkipReason is not null, kinesis.SkipReason);
        using var dir = new TempDir();
        var stream = KinesisFixture.NewStreamName();
        await _kit.CreateAsync(stream, 2);
        var sent = KinesisTestKit.Records("a", 400);
        var shards = await _kit.PutAsync(stream, sent);
        Assert.Equal(2, shards.Distinct().Count());
        var year = DateTime.UtcNow.Year;

        // the service's clock is ten years ahead: prefixes and object names must come from ApproximateArrivalTimestamp
        await using (var service = new StreamingService(_kit.Settings(dir.Path, stream), new ShiftedTime(TimeSpan.FromDays(3650))))
        {
            var watch = new KinesisWatch(service.KinesisSources["clicks"]);
            await service.StartAsync(default);
            await watch.AtLeastAsync(sent.Count);

            // as on Firehose, a stream with a Kinesis source takes no direct puts (the record would be delivered too)
            using var http = new HttpClient();
            using var put = new HttpRequestMessage(HttpMethod.Post, service.Endpoint)
            {
                Content = new StringContent("""{"DeliveryStreamName":"clicks","Record":{"Data":"eyJjdXN0b21lciI6ICJ4In0="}}"""),
            };
            put.Content.Headers.ContentType = new("application/x-amz-json-1.1");
            put.Headers.Add("X-Amz-Target", "Firehose_20150804.PutRecord");
            using var answer = await http.SendAsync(put);
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Contains("InvalidArgumentException", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var objects = KinesisTestKit.Lines(Path.Combine(dir.Path, "lake"));
        Assert.Equal(8, objects.Count);
        foreach (var (key, lines) in objects)
        {
            var customer = (string)JsonNode.Parse(lines[0])!["customer"]!;
            Assert.StartsWith($"data/customer={customer}/year={year}/clicks-1-{year}-", key, StringComparison.Ordinal);
            Assert.All(lines, l => Assert.Equal(customer, (string)JsonNode.Parse(l)!["customer"]!));
        }
        var delivered = objects.Values.SelectMany(l => l).ToList();
        Assert.Equal(sent.Count, delivered.Count);
        Assert.Equal(KinesisTestKit.Checksum(sent.Select(r => r.Json)), KinesisTestKit.Checksum(delivered));
    }

    [SkippableFact]
    public async Task A_restarted_service_goes_on_from_its_checkpoints_without_missing_or_repeating_a_record()
    {
        Skip.If(kinesis.SkipReason is not null, kinesis.SkipReason);
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var stream = KinesisFixture.NewStreamName();
        await _kit.CreateAsync(stream, 2);
        var first = KinesisTestKit.Records("first", 300);
        await _kit.PutAsync(stream, first);
        var settings = _kit.Settings(dir.Path, stream, change: k => k with { MaxRecordsPerCall = 10 });

        int firstRun;
        Dictionary<string, string?> checkpoints;
        await using (var service = new StreamingService(settings, TimeProvider.System))
        {
            var watch = new KinesisWatch(service.KinesisSources["clicks"]);
            await service.StartAsync(default);
            await watch.AtLeastAsync(1); // stopped mid-stream: the readers end after the batch in hand is logged and checkpointed
            await service.StopAsync();
            firstRun = watch.Checkpointed;
            checkpoints = watch.Events.Where(e => e.Kind == KinesisProgressKind.Checkpointed).GroupBy(e => e.ShardId).ToDictionary(g => g.Key, g => g.Last().SequenceNumber);
            Assert.DoesNotContain(watch.Events, e => e.Kind == KinesisProgressKind.Finished);
        }
        Assert.InRange(firstRun, 1, first.Count - 1);
        var afterFirst = KinesisTestKit.Lines(lake);
        Assert.Equal(firstRun, afterFirst.Values.Sum(l => l.Length));

        var second = KinesisTestKit.Records("second", 100);
        await _kit.PutAsync(stream, second);
        await using (var service = new StreamingService(settings, TimeProvider.System))
        {
            var watch = new KinesisWatch(service.KinesisSources["clicks"]);
            await service.StartAsync(default);
            await watch.AtLeastAsync(first.Count + second.Count - firstRun);
            await service.StopAsync();
            Assert.Equal(first.Count + second.Count - firstRun, watch.Checkpointed);
            foreach (var (shard, sequenceNumber) in checkpoints) // each shard read before resumes after its checkpoint
                Assert.Equal(sequenceNumber, watch.Events.First(e => e.ShardId == shard && e.Kind == KinesisProgressKind.Started).SequenceNumber);
        }

        var objects = KinesisTestKit.Lines(lake);
        foreach (var (key, lines) in afterFirst) Assert.Equal(lines, objects[key]); // the first run's objects stay as they were
        var delivered = objects.Values.SelectMany(l => l).ToList();
        Assert.Equal(first.Count + second.Count, delivered.Count);
        Assert.Equal(KinesisTestKit.Checksum(first.Concat(second).Select(r => r.Json)), KinesisTestKit.Checksum(delivered));
    }

    [SkippableFact]
    public async Task After_a_split_the_children_are_read_once_the_parent_is_finished_and_each_key_keeps_its_order()
    {
        Skip.If(kinesis.SkipReason is not null, kinesis.SkipReason);
        using var dir = new TempDir();
        var stream = KinesisFixture.NewStreamName();
        await _kit.CreateAsync(stream, 1);
        var records = KinesisTestKit.Records("split", 400);
        await _kit.PutAsync(stream, records[..200]);

        List<KinesisProgress> events;
        await using (var service = new StreamingService(_kit.Settings(dir.Path, stream, change: k => k with { MaxRecordsPerCall = 20 }), TimeProvider.System))
        {
            var watch = new KinesisWatch(service.KinesisSources["clicks"]);
            await service.StartAsync(default);
            await watch.AtLeastAsync(1);
            await _kit.SplitAsync(stream, "shardId-000000000000");
            var children = await _kit.PutAsync(stream, records[200..]);
            Assert.Equal(2, children.Distinct().Count());
            Assert.DoesNotContain("shardId-000000000000", children);
            await watch.AtLeastAsync(records.Count);
            await service.StopAsync();
            Assert.Equal(records.Count, watch.Checkpointed);
            events = [.. watch.Events];
        }

        var parentDone = events.FindIndex(e => e is { ShardId: "shardId-000000000000", Kind: KinesisProgressKind.Finished });
        Assert.True(parentDone >= 0, "the parent shard was not finished");
        foreach (var child in new[] { "shardId-000000000001", "shardId-000000000002" })
            Assert.True(events.FindIndex(e => e.ShardId == child && e.Kind == KinesisProgressKind.Started) > parentDone, $"{child} started before its parent was finished");

        var objects = KinesisTestKit.Lines(Path.Combine(dir.Path, "lake"));
        Assert.Equal(records.Count, objects.Values.Sum(l => l.Length));
        foreach (var lines in objects.Values)
            Assert.Equal(Enumerable.Range(0, lines.Length), lines.Select(l => (int)JsonNode.Parse(l)!["i"]!)); // one object per customer, in put order
    }

    [SkippableFact]
    public async Task Two_instances_sharing_the_state_store_never_read_a_shard_both_and_the_second_takes_over_on_stop()
    {
        Skip.If(kinesis.SkipReason is not null, kinesis.SkipReason);
        using var dir = new TempDir();
        var stream = KinesisFixture.NewStreamName();
        await _kit.CreateAsync(stream, 2);
        var before = KinesisTestKit.Records("before", 200);
        await _kit.PutAsync(stream, before);
        var state = $"state: {Path.Combine(dir.Path, "shared-state.db")}";
        var a = Directory.CreateDirectory(Path.Combine(dir.Path, "a")).FullName;
        var b = Directory.CreateDirectory(Path.Combine(dir.Path, "b")).FullName;

        await using var first = new StreamingService(_kit.Settings(a, stream, state), TimeProvider.System);
        var firstWatch = new KinesisWatch(first.KinesisSources["clicks"]);
        await first.StartAsync(default);
        await firstWatch.AtLeastAsync(before.Count);
        await using var second = new StreamingService(_kit.Settings(b, stream, state), TimeProvider.System);
        var secondWatch = new KinesisWatch(second.KinesisSources["clicks"]);
        await second.StartAsync(default);
        await first.StopAsync(); // lets its leases go; the second takes the shards from their checkpoints
        var after = KinesisTestKit.Records("after", 100);
        await _kit.PutAsync(stream, after);
        await secondWatch.AtLeastAsync(after.Count);
        await second.StopAsync();

        Assert.Equal(before.Count, firstWatch.Checkpointed);
        Assert.Equal(after.Count, secondWatch.Checkpointed);
        var delivered = KinesisTestKit.Lines(Path.Combine(a, "lake")).Values.Concat(KinesisTestKit.Lines(Path.Combine(b, "lake")).Values).SelectMany(l => l).ToList();
        Assert.Equal(KinesisTestKit.Checksum(before.Concat(after).Select(r => r.Json)), KinesisTestKit.Checksum(delivered));
        Assert.Equal(before.Count + after.Count, delivered.Count);
    }

    [SkippableFact]
    public async Task Latest_reads_what_arrives_from_the_first_start_on_including_records_put_while_the_service_was_down()
    {
        Skip.If(kinesis.SkipReason is not null, kinesis.SkipReason);
        using var dir = new TempDir();
        var stream = KinesisFixture.NewStreamName();
        await _kit.CreateAsync(stream, 2);
        await _kit.PutAsync(stream, KinesisTestKit.Records("old", 50));
        var oldArrival = DateTimeOffset.UtcNow;
        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() <= oldArrival.ToUnixTimeMilliseconds()) await Task.Yield(); // the first start is strictly later
        var settings = _kit.Settings(dir.Path, stream, change: k => k with { StartingPosition = KinesisStartingPosition.Latest });

        await using (var service = new StreamingService(settings, TimeProvider.System))
        {
            await service.StartAsync(default); // nothing new arrives: no shard gets a checkpoint
            await service.StopAsync();
        }
        var whileDown = KinesisTestKit.Records("down", 60);
        await _kit.PutAsync(stream, whileDown);
        await using (var service = new StreamingService(settings, TimeProvider.System))
        {
            var watch = new KinesisWatch(service.KinesisSources["clicks"]);
            await service.StartAsync(default);
            var live = KinesisTestKit.Records("live", 40);
            await _kit.PutAsync(stream, live);
            await watch.AtLeastAsync(whileDown.Count + live.Count);
            await service.StopAsync();
            Assert.Equal(whileDown.Count + live.Count, watch.Checkpointed);
            var delivered = KinesisTestKit.Lines(Path.Combine(dir.Path, "lake")).Values.SelectMany(l => l).ToList();
            Assert.Equal(KinesisTestKit.Checksum(whileDown.Concat(live).Select(r => r.Json)), KinesisTestKit.Checksum(delivered));
        }
    }
}
