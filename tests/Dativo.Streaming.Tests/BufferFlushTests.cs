using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Streaming.Runtime;
using Dativo.Testing;
using Microsoft.Extensions.Time.Testing;
using static Dativo.Streaming.Tests.StreamTestKit;

namespace Dativo.Streaming.Tests;

public sealed class BufferFlushTests
{
    private static StreamSettings Dp(string lake, Func<StreamSettings, StreamSettings>? change = null) =>
        DynamicPartitioning(lake, s => (change ?? (x => x))(s with { Prefix = "data/k=!{partitionKeyFromQuery:k}/!{timestamp:yyyy-MM-dd}/" }));

    [Fact]
    public async Task A_buffer_is_delivered_when_it_reaches_the_buffering_size()
    {
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var time = new FakeTimeProvider(Start);
        await using var stream = Open(Dp(lake, s => s with { BufferingSizeMiB = 1 }), Path.Combine(dir.Path, "data"), time);
        await stream.StartAsync(default);
        var big = "{\"k\":\"a\",\"pad\":\"" + new string('x', 300 * 1024) + "\"}";
        await stream.PutAsync(Records(big, big, big));
        await stream.BarrierAsync();
        Assert.Empty(Objects(lake));
        await stream.PutAsync(Records(big, "{\"k\":\"a\"}"));
        await stream.BarrierAsync();
        var obj = Assert.Single(Objects(lake));
        Assert.Equal(4, obj.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Matches(new Regex(@"^data/k=a/2026-01-02/clicks-1-2026-01-02-03-04-05-[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"), obj.Key);
    }

    [Fact]
    public async Task Buffers_holding_half_the_log_budget_are_delivered_early_instead_of_refusing_puts()
    {
        // 20 partitions × 64 MiB buffers × 15 min interval against a 1 MiB log: without early delivery the log is full
        // after 1 MiB and every put is refused until the interval ends
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var time = new FakeTimeProvider(Start);
        await using var stream = Open(Dp(lake, s => s with { BufferingSizeMiB = 64, BufferingIntervalSeconds = 900 }),
            Path.Combine(dir.Path, "data"), time, walBudget: 1L << 20, segmentBytes: 64 << 10);
        await stream.StartAsync(default);
        var sent = 0;
        for (var put = 0; put < 100; put++)
        {
            var batch = Enumerable.Range(0, 40).Select(i => $"{{\"k\":\"p{(put * 40 + i) % 20}\",\"i\":{put * 40 + i},\"pad\":\"{new string('x', 1000)}\"}}").ToArray();
            await stream.PutAsync(Records(batch)); // a refused put throws WalFullException
            sent += batch.Length;
            await stream.BarrierAsync();
        }
        Assert.Equal(4000, sent);
        await stream.StopAsync();
        var lines = Objects(lake).Values.SelectMany(v => v.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(sent, lines.Count);
        Assert.Equal(sent, lines.Select(l => JsonNode.Parse(l)!["i"]!.GetValue<int>()).Distinct().Count());
        Assert.True(Objects(lake).Count > 20, "buffers went early, before their size or interval");
    }

    [Fact]
    public async Task An_idle_partition_is_delivered_when_its_oldest_record_reaches_the_interval()
    {
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var time = new FakeTimeProvider(Start);
        await using var stream = Open(Dp(lake, s => s with { BufferingIntervalSeconds = 60, Compression = CompressionFormat.Gzip }), Path.Combine(dir.Path, "data"), time);
        await stream.StartAsync(default);
        await stream.PutAsync(Records("{\"k\":\"a\"}"));
        time.Advance(TimeSpan.FromSeconds(30));
        await stream.PutAsync(Records("{\"k\":\"b\"}", "{\"k\":\"a\"}"));
        time.Advance(TimeSpan.FromSeconds(29));
        await stream.BarrierAsync();
        Assert.Empty(Objects(lake));

        time.Advance(TimeSpan.FromSeconds(1)); // a is 60 s old; no record arrives, the clock alone delivers it
        await stream.BarrierAsync();
        var a = Assert.Single(Objects(lake));
        Assert.StartsWith("data/k=a/2026-01-02/clicks-1-2026-01-02-03-04-05-", a.Key, StringComparison.Ordinal);
        Assert.EndsWith(".gz", a.Key, StringComparison.Ordinal);
        Assert.Equal("{\"k\":\"a\"}\n{\"k\":\"a\"}\n", a.Value);

        time.Advance(TimeSpan.FromSeconds(30));
        await stream.BarrierAsync();
        Assert.Equal(2, Objects(lake).Count);
        Assert.Contains(Objects(lake).Keys, k => k.StartsWith("data/k=b/2026-01-02/clicks-1-2026-01-02-03-04-35-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Records_beyond_max_active_partitions_go_to_the_error_prefix()
    {
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var time = new FakeTimeProvider(Start);
        await using (var stream = Open(Dp(lake), Path.Combine(dir.Path, "data"), time))
        {
            await stream.StartAsync(default);
            await stream.PutAsync(Records([.. Enumerable.Range(0, 600).Select(i => $"{{\"k\":\"p{i:000}\"}}")]));
            await stream.BarrierAsync();
        }
        var objects = Objects(lake);
        var data = objects.Keys.Where(k => k.StartsWith("data/", StringComparison.Ordinal)).ToList();
        Assert.Equal(500, data.Count);
        Assert.Equal([.. Enumerable.Range(0, 500).Select(i => $"data/k=p{i:000}/")], data.Select(k => k[..(k.IndexOf('/', 5) + 1)]));
        var errors = Assert.Single(objects, o => o.Key.StartsWith("errors/processing-failed/clicks-1-", StringComparison.Ordinal));
        var lines = errors.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(100, lines.Count);
        Assert.All(lines, l => Assert.Equal("DynamicPartitioning.ActivePartitionsLimitExceeded", l["errorCode"]!.GetValue<string>()));
        Assert.Equal("{\"k\":\"p500\"}", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(lines[0]["rawData"]!.GetValue<string>())));
    }
}
