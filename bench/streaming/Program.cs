using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Ingest-to-delivered throughput of 1 KiB JSON records through PutRecordBatch (500 per call), dynamic partitioning on
// one key (100 partitions), GZIP, write-ahead log on — against a baseline measured in the same run: the same requests
// to a loopback Kestrel endpoint that reads each body and answers 200 (HTTP + JSON transport only).
// usage: dotnet run -c Release --project bench/streaming [records] [requests in flight, e.g. 2,8]
var breakdown = args.Contains("--breakdown");
var dativoOnly = args.Contains("--dativo-only"); // for profiling: no baseline
using var allocations = args.Contains("--alloc") ? new AllocationSampler() : null; // what the measured run allocates
args = [.. args.Where(a => !a.StartsWith("--", StringComparison.Ordinal))];
var total = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
int[] inFlight = args.Length > 1 ? [.. args[1].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))] : [2, 8];
const int Batch = 500;
const int Partitions = 100;

var bodies = BuildBodies(total);
var recordBytes = (long)total * 1024;
Console.WriteLine($"{total:N0} records of 1 KiB ({recordBytes / 1048576.0:0} MiB) in {bodies.Count:N0} PutRecordBatch calls");
if (breakdown)
{
    await Breakdown.RunAsync(bodies, total, inFlight[^1], BenchStream("unused"));
    return;
}

var dir = Path.Combine(Path.GetTempPath(), "dativo-bench-streaming-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    // a warm-up of both (a tenth of the requests each, not measured): a server runs warm, the figures are its steady
    // state rather than the JIT's first minutes
    var warmup = bodies.Take(Math.Max(1, bodies.Count / 10)).ToList();
    await DativoAsync(warmup, inFlight[0], Path.Combine(dir, "warmup"), warmup.Count * Batch, quiet: true);
    if (!dativoOnly) await EchoBaselineAsync(warmup, inFlight[0]);
    foreach (var concurrency in inFlight)
    {
        Console.WriteLine($"{concurrency} requests in flight:");
        allocations?.Start();
        // Dativo first: measured second (after the baseline's Kestrel and client), it used about twice the CPU per GiB
        var (dativo, latency, dativoCpu) = await DativoAsync(bodies, concurrency, Path.Combine(dir, $"measured-{concurrency}"), total);
        allocations?.Print();
        var (baseline, baselineLatency, baselineCpu) = dativoOnly ? (TimeSpan.FromTicks(1), [0.0], TimeSpan.Zero) : await EchoBaselineAsync(bodies, concurrency);
        if (!dativoOnly) Report("  baseline (loopback echo)", recordBytes, total, baseline, baselineLatency, baselineCpu);
        Report("  dativo (WAL + DP + GZIP, to delivered)", recordBytes, total, dativo, latency, dativoCpu);
        if (!dativoOnly) Console.WriteLine($"  ratio dativo / baseline throughput: {baseline.TotalSeconds / dativo.TotalSeconds:0.00}");
    }
}
finally
{
    Directory.Delete(dir, recursive: true);
}

static StreamSettings BenchStream(string lake) => new()
{
    Name = "bench",
    Destination = lake,
    BufferingSizeMiB = 64,
    BufferingIntervalSeconds = 60,
    Compression = CompressionFormat.Gzip,
    EnableDynamicPartitioning = true,
    JqMetadataQuery = "{k:.k}",
    Prefix = "data/k=!{partitionKeyFromQuery:k}/",
    ErrorPrefix = "errors/!{firehose:error-output-type}/",
    EnableNewlineAppending = true,
};

static void Report(string what, long bytes, int records, TimeSpan elapsed, List<double> latencies, TimeSpan cpu)
{
    latencies.Sort();
    var p99 = latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(latencies.Count * 0.99) - 1)];
    Console.WriteLine($"{what}: {bytes / 1048576.0 / elapsed.TotalSeconds:0.0} MiB/s, {records / elapsed.TotalSeconds:N0} records/s, p50 ack {latencies[latencies.Count / 2]:0.0} ms, p99 ack {p99:0.0} ms, {cpu.TotalSeconds / (bytes / 1073741824.0):0.0} CPU-s per GiB (client included)");
}

// The requests: 100 distinct bodies of 500 records, sent in turn (records repeat every 50,000: the stream does not
// care, and the client's copy stays at ~70 MB instead of the whole run — which made every GC of the service's heap,
// in the same process, a compaction of 1.4 GB it does not own).
static IReadOnlyList<byte[]> BuildBodies(int total)
{
    const int Distinct = 100;
    var calls = (total + Batch - 1) / Batch;
    var distinct = new List<byte[]>();
    for (var c = 0; c < Math.Min(Distinct, calls); c++) distinct.Add(Body(c * Batch, Batch));
    var last = total % Batch == 0 ? null : Body(0, total % Batch);
    return new CyclingBodies(distinct, calls, last);
}

static byte[] Body(int first, int count)
{
    var sb = new StringBuilder("{\"DeliveryStreamName\":\"bench\",\"Records\":[");
    for (var i = first; i < first + count; i++)
    {
        var head = $"{{\"k\":\"p{i % Partitions}\",\"i\":{i},\"pad\":\"";
        var json = head + new string('x', 1024 - head.Length - 2) + "\"}";
        if (i > first) sb.Append(',');
        sb.Append("{\"Data\":\"").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(json))).Append("\"}");
    }
    return Encoding.UTF8.GetBytes(sb.Append("]}").ToString());
}

static async Task<(TimeSpan, List<double>)> SendAllAsync(Uri endpoint, IReadOnlyList<byte[]> bodies, int concurrency)
{
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });
    var next = -1;
    var latencies = new List<double>();
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        var mine = new List<double>();
        int n;
        while ((n = Interlocked.Increment(ref next)) < bodies.Count)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(bodies[n]) };
            request.Headers.Add("X-Amz-Target", "Firehose_20150804.PutRecordBatch");
            var start = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"batch {n}: {(int)response.StatusCode}");
            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        lock (latencies) latencies.AddRange(mine);
    }));
    return (sw.Elapsed, latencies);
}

static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

static async Task<(TimeSpan, List<double>, TimeSpan)> EchoBaselineAsync(IReadOnlyList<byte[]> bodies, int concurrency)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseKestrel(o => { o.Listen(IPAddress.Loopback, 0); o.Limits.MaxRequestBodySize = 16L << 20; });
    await using var app = builder.Build();
    app.Run(async ctx =>
    {
        using var ms = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(ms);
        await ctx.Response.WriteAsync("{\"FailedPutCount\":0}");
    });
    await app.StartAsync();
    var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    var cpu = Cpu();
    var (elapsed, latencies) = await SendAllAsync(new Uri($"http://127.0.0.1:{port}/"), bodies, concurrency);
    cpu = Cpu() - cpu;
    await app.StopAsync();
    return (elapsed, latencies, cpu);
}

static async Task<(TimeSpan, List<double>, TimeSpan)> DativoAsync(IReadOnlyList<byte[]> bodies, int concurrency, string dir, int total, bool quiet = false)
{
    var stream = BenchStream(Path.Combine(dir, "lake"));
    await using var service = new StreamingService(new ServiceSettings
    {
        Streams = [stream],
        DataDirectory = Path.Combine(dir, "wal"),
        Port = 0, // the default disk budget of the log (1 GiB): past half of it the buffers are delivered early
    }, TimeProvider.System);
    await service.StartAsync(default);
    var cpu = Cpu();
    int[] gcs = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    var pause = GC.GetTotalPauseDuration();
    var allocated = GC.GetTotalAllocatedBytes();
    var sw = Stopwatch.StartNew();
    var (_, latencies) = await SendAllAsync(service.Endpoint, bodies, concurrency);
    var (ackedAfter, ackedCpu) = (sw.Elapsed, Cpu() - cpu);
    await service.StopAsync(); // delivers every buffer: the clock stops when the last object has landed
    var elapsed = sw.Elapsed;
    cpu = Cpu() - cpu;
    var delivered = service.Streams["bench"].Metrics.DeliveryToS3Records;
    if (delivered != total) throw new InvalidOperationException($"delivered {delivered} of {total}");
    if (quiet) return (elapsed, latencies, cpu);
    Console.WriteLine($"  all acknowledged after {ackedAfter.TotalSeconds:0.00} s ({ackedCpu.TotalSeconds:0.00} CPU-s), all delivered after {elapsed.TotalSeconds:0.00} s ({cpu.TotalSeconds:0.00} CPU-s)");
    Console.WriteLine($"  GCs gen0/1/2: {GC.CollectionCount(0) - gcs[0]}/{GC.CollectionCount(1) - gcs[1]}/{GC.CollectionCount(2) - gcs[2]}, pause {(GC.GetTotalPauseDuration() - pause).TotalSeconds:0.00} s, allocated {(GC.GetTotalAllocatedBytes() - allocated) / 1048576.0:0} MiB");
    return (elapsed, latencies, cpu);
}

/// <summary>The run's requests: the distinct bodies in turn, the last one shorter when the total is not a multiple of 500.</summary>
internal sealed class CyclingBodies(List<byte[]> distinct, int count, byte[]? last) : IReadOnlyList<byte[]>
{
    public int Count => count;

    public byte[] this[int index] => last is not null && index == count - 1 ? last : distinct[index % distinct.Count];

    public IEnumerator<byte[]> GetEnumerator()
    {
        for (var i = 0; i < count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
