using System.Text;
using Dativo.Streaming.Durability;
using Dativo.Streaming.Runtime;
using Dativo.Testing;
using Microsoft.Extensions.Time.Testing;
using static Dativo.Streaming.Tests.StreamTestKit;

namespace Dativo.Streaming.Tests;

public sealed class DurabilityTests
{
    private static StreamSettings Dp(string lake, Func<StreamSettings, StreamSettings>? change = null) => DynamicPartitioning(lake, change);

    private static List<string> Lines(string lake) =>
        [.. Objects(lake).Values.SelectMany(v => v.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Acknowledged_records_of_a_stream_that_never_stopped_are_delivered_by_the_next_start_once()
    {
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var data = Path.Combine(dir.Path, "data");
        var time = new FakeTimeProvider(Start);
        var settings = Dp(lake, s => s with { BufferingSizeMiB = 1 });
        var big = new string('x', 600 * 1024);
        // the first process: partition a is delivered (size), b still waits in its buffer when it "dies" (never stopped)
        var crashed = Open(settings, data, time);
        await crashed.StartAsync(default);
        await crashed.PutAsync(Records($"{{\"k\":\"a\",\"i\":1,\"p\":\"{big}\"}}", "{\"k\":\"b\",\"i\":2}", $"{{\"k\":\"a\",\"i\":3,\"p\":\"{big}\"}}", "{\"k\":\"b\",\"i\":4}"));
        await crashed.BarrierAsync();
        var before = Objects(lake);
        Assert.Single(before);
        var firstKey = before.Keys.Single();

        await using (var restarted = Open(settings, data, time))
        {
            await restarted.StartAsync(default);
        }
        var after = Objects(lake);
        Assert.Equal(2, after.Count);
        Assert.Contains(firstKey, after.Keys);
        Assert.Equal(4, Lines(lake).Count);
        Assert.Equal(4, Lines(lake).Distinct().Count());
    }

    [Fact]
    public async Task A_replay_of_an_object_whose_delivery_was_not_recorded_overwrites_it()
    {
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var data = Path.Combine(dir.Path, "data");
        var time = new FakeTimeProvider(Start);
        var settings = Dp(lake);
        await using (var first = Open(settings, data, time))
        {
            await first.StartAsync(default);
            await first.PutAsync(Records("{\"k\":\"a\",\"i\":1}", "{\"k\":\"a\",\"i\":2}"));
        }
        var delivered = Objects(lake);
        // the crash window: the object landed, its delivery record did not
        File.WriteAllText(Path.Combine(data, "clicks", "delivered.log"), "");
        var walDir = Path.Combine(data, "clicks", "wal");
        Assert.NotEmpty(Directory.GetFiles(walDir)); // the segment of an unrecorded delivery is still there
        await using (var second = Open(settings, data, time))
        {
            await second.StartAsync(default);
        }
        Assert.Equal(delivered, Objects(lake));
    }

    [Fact]
    public async Task Concurrent_appends_share_one_sync()
    {
        using var dir = new TempDir();
        var firstSync = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var committed = 0;
        var wal = await WriteAheadLog.OpenAsync(dir.Path, 1 << 20, 1 << 30, _ => Task.CompletedTask, g => Interlocked.Add(ref committed, g.Entries.Length), default);
        wal.BeforeSync = async () =>
        {
            if (firstSync.TrySetResult()) await release.Task;
        };
        var first = wal.AppendAsync(Records("r0"), 0);
        await firstSync.Task; // the writer holds the first group at its sync
        var rest = Enumerable.Range(1, 199).Select(i => wal.AppendAsync(Records($"r{i}"), 0)).ToList();
        release.SetResult();
        var seqs = await Task.WhenAll(rest.Prepend(first));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), seqs.Order());
        Assert.Equal(2, wal.Syncs);
        await wal.DisposeAsync();
    }

    [Fact]
    public async Task A_torn_tail_is_cut_and_delivered_segments_are_trimmed()
    {
        using var dir = new TempDir();
        var replayed = new List<string>();
        var wal = await WriteAheadLog.OpenAsync(dir.Path, 64, 1 << 30, _ => Task.CompletedTask, _ => { }, default);
        for (var i = 0; i < 5; i++) await wal.AppendAsync(Records($"record-{i}-{new string('x', 60)}"), 0);
        Assert.Equal(6, Directory.GetFiles(dir.Path, "*.wal").Length); // every segment filled up at once, the last one empty
        wal.Trim(3);
        await wal.DisposeAsync();
        Assert.Equal(3, Directory.GetFiles(dir.Path, "*.wal").Length);
        var last = Directory.GetFiles(dir.Path, "*.wal").Order().Last();
        await File.AppendAllTextAsync(last, "torn half-written entry");

        var reopened = await WriteAheadLog.OpenAsync(dir.Path, 64, 1 << 30, e => { replayed.Add(Encoding.UTF8.GetString(e.Data.Span)[..8]); return Task.CompletedTask; }, _ => { }, default);
        Assert.Equal(["record-3", "record-4"], replayed);
        Assert.Equal(5, reopened.NextSeq);
        Assert.Equal(0, new FileInfo(last).Length);
        await reopened.DisposeAsync();
    }

    [Fact]
    public async Task Recycled_segments_replay_only_their_own_entries()
    {
        // entries of one size, three to a segment: a recycled segment holding one new entry is followed by an older
        // use's intact entries (valid CRCs, aligned) — they must not come back
        using var dir = new TempDir();
        static ReadOnlyMemory<byte>[] Entry(int i) => Records($"rec-{i:D3}-{new string('x', 50)}");
        var wal = await WriteAheadLog.OpenAsync(dir.Path, 200, 1 << 30, _ => Task.CompletedTask, _ => { }, default);
        for (var i = 0; i < 9; i++) await wal.AppendAsync(Entry(i), 0);
        wal.Trim(6); // segments 0 and 3 become spares
        Assert.Equal(2, Directory.GetFiles(dir.Path, "*.spare").Length);
        for (var i = 9; i < 13; i++) await wal.AppendAsync(Entry(i), 0); // segment 12 is a spare, one entry into it
        Assert.Single(Directory.GetFiles(dir.Path, "*.spare"));
        await wal.DisposeAsync();

        var replayed = new List<long>();
        var reopened = await WriteAheadLog.OpenAsync(dir.Path, 200, 1 << 30, e => { replayed.Add(e.Seq); return Task.CompletedTask; }, _ => { }, default);
        Assert.Equal([6, 7, 8, 9, 10, 11, 12], replayed);
        Assert.Equal(13, reopened.NextSeq);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.spare")); // an earlier run's spares never become segments
        await reopened.AppendAsync(Entry(13), 0);
        await reopened.DisposeAsync();
        replayed.Clear();
        await (await WriteAheadLog.OpenAsync(dir.Path, 200, 1 << 30, e => { replayed.Add(e.Seq); return Task.CompletedTask; }, _ => { }, default)).DisposeAsync();
        Assert.Equal([6, 7, 8, 9, 10, 11, 12, 13], replayed);
    }

    [Fact]
    public async Task Puts_beyond_the_disk_budget_are_refused()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(Start);
        await using var stream = Open(Dp(Path.Combine(dir.Path, "lake")), Path.Combine(dir.Path, "data"), time, walBudget: 10_000);
        await stream.StartAsync(default);
        await stream.PutAsync(Records(new string('x', 5000)));
        await Assert.ThrowsAsync<WalFullException>(() => stream.PutAsync(Records(new string('y', 5000))));
        Assert.Equal(1, stream.Metrics.ThrottledRecords);
    }
}
