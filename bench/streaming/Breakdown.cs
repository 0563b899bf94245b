using System.Diagnostics;
using System.Text.Json;
using Dativo.Lake.Storage;
using Dativo.Streaming.Buffering;
using Dativo.Streaming.Delivery;
using Dativo.Streaming.Durability;
using Dativo.Streaming.Jq;
using Dativo.Streaming.Prefixes;
using Dativo.Streaming.Processing;
using Dativo.Streaming.Runtime;

/// <summary>
/// Times each stage of the hot path alone, in this process, over the bench's request bodies: request parsing, the
/// write-ahead log (group commit with the bench's concurrency), the record pipeline, buffer appends and delivery
/// (compression + write). Wall and CPU seconds per stage; CPU seconds stay meaningful on a loaded machine.
/// </summary>
internal static class Breakdown
{
    public static async Task RunAsync(IReadOnlyList<byte[]> bodies, int total, int concurrency, StreamSettings stream)
    {
        var mib = total * 1024 / 1048576.0;
        var dir = Path.Combine(Path.GetTempPath(), "dativo-bench-breakdown-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            Stage("parse: JsonDocument + base64 per record (the seed's way)", mib, () =>
            {
                foreach (var body in bodies)
                {
                    using var doc = JsonDocument.Parse(body);
                    foreach (var r in doc.RootElement.GetProperty("Records").EnumerateArray())
                        r.GetProperty("Data").TryGetBytesFromBase64(out _);
                }
            });
            var batches = new List<IReadOnlyList<ReadOnlyMemory<byte>>>();
            Stage("parse: the API's request reader", mib, () =>
            {
                foreach (var body in bodies)
                {
                    if (!Dativo.Streaming.Api.RecordBatchReader.TryRead(body, out _, out var batch)) throw new InvalidOperationException("not a plain batch");
                    batches.Add(batch!.Records); // kept (not returned to the pool) for the next stages
                }
            });

            var entries = new List<WalEntry>(total);
            await StageAsync($"write-ahead log: append + fsync, {concurrency} puts in flight", mib, async () =>
            {
                var wal = await WriteAheadLog.OpenAsync(Path.Combine(dir, "wal"), 64L << 20, 8L << 30, _ => Task.CompletedTask,
                    group => { lock (entries) entries.AddRange(group.Entries); }, default);
                var next = -1;
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
                {
                    int n;
                    while ((n = Interlocked.Increment(ref next)) < batches.Count) await wal.AppendAsync(batches[n], 0);
                }));
                Console.WriteLine($"    {wal.Syncs} fsyncs for {batches.Count} puts");
                await wal.DisposeAsync();
            });
            entries.Sort((a, b) => a.Seq.CompareTo(b.Seq));

            var processor = new RecordProcessor(stream, StreamPrefixes.Create(stream.Name, stream.Prefix, stream.ErrorPrefix, stream.EnableDynamicPartitioning),
                JqQuery.Parse(stream.JqMetadataQuery!), null, TimeProvider.System);
            var processed = new List<ProcessedRecord>(total);
            await StageAsync("record pipeline: jq partition key, prefix, newline", mib, async () =>
            {
                for (var i = 0; i < entries.Count; i += 4000)
                    processed.AddRange(await processor.ProcessAsync(entries.GetRange(i, Math.Min(4000, entries.Count - i)), default));
            });

            var buffers = new PartitionBuffers(stream.BufferingSizeBytes, TimeSpan.FromSeconds(stream.BufferingIntervalSeconds), stream.MaxActivePartitions);
            var full = new List<PartitionBuffer>();
            Stage("buffers: append", mib, () =>
            {
                foreach (var r in processed)
                    if (buffers.Add(r) is { } b) full.Add(b);
            });
            full.AddRange(buffers.TakeAll());

            var delivery = new RawObjectSink(ObjectStores.Open(Path.Combine(dir, "lake")), stream);
            await StageAsync($"delivery: {stream.Compression} + write of {full.Count} objects, one at a time", mib, async () =>
            {
                foreach (var b in full) await delivery.DeliverAsync(b, default);
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Stage(string what, double mib, Action work) => StageAsync(what, mib, () => { work(); return Task.CompletedTask; }).GetAwaiter().GetResult();

    private static async Task StageAsync(string what, double mib, Func<Task> work)
    {
        GC.Collect();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var gcs = GC.CollectionCount(0);
        var sw = Stopwatch.StartNew();
        await work();
        var wall = sw.Elapsed.TotalSeconds;
        var cpuS = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine($"  {what}: {wall:0.000} s wall, {cpuS:0.000} CPU-s, {mib / wall:0} MiB/s, {GC.CollectionCount(0) - gcs} gen0 GCs");
    }
}
