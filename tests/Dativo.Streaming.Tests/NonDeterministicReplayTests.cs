using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Streaming.Runtime;
using Dativo.Testing;
using Microsoft.Extensions.Time.Testing;
using static Dativo.Streaming.Tests.StreamTestKit;

namespace Dativo.Streaming.Tests;

/// <summary>
/// A replay after a crash asks the transformation again, and its answer may differ from the first one: a record that
/// landed is still delivered once (issue #14). The "crash" is a stream that is never stopped, as in DurabilityTests:
/// its object landed and was recorded, its log segment was not trimmed (another record still waited in a buffer).
/// </summary>
public sealed class NonDeterministicReplayTests
{
    private static readonly string Big = new('x', 600 * 1024); // two of them fill a 1 MiB buffer

    [Fact]
    public async Task A_record_that_landed_under_one_partition_is_not_delivered_again_when_the_replay_answers_another()
    {
        using var dir = new TempDir();
        await using var endpoint = new TransformationEndpoint(i => i == 3 ? ("Ok", "held") : ("Ok", "a"));
        var lake = await CrashAfterTheFirstObjectAsync(dir, endpoint, """{"i":1}""", """{"i":2}""", """{"i":3}""");

        endpoint.Answer = _ => ("Ok", "b");
        await RestartAsync(dir, endpoint);

        Assert.Equal([1, 2, 3], DeliveredIds(lake).Order());
        Assert.Equal([1, 2], IdsUnder(lake, "t/a/"));
        Assert.Equal([3], IdsUnder(lake, "t/b/"));
    }

    [Fact]
    public async Task A_record_that_landed_is_not_delivered_as_an_error_when_the_replay_answers_processing_failed()
    {
        using var dir = new TempDir();
        await using var endpoint = new TransformationEndpoint(i => i == 3 ? ("Ok", "held") : ("Ok", "a"));
        var lake = await CrashAfterTheFirstObjectAsync(dir, endpoint, """{"i":1}""", """{"i":2}""", """{"i":3}""");

        endpoint.Answer = _ => ("ProcessingFailed", null);
        await RestartAsync(dir, endpoint);

        Assert.Equal([1, 2, 3], DeliveredIds(lake).Order());
        Assert.Equal([3], IdsUnder(lake, "errors/processing-failed/"));
    }

    [Fact]
    public async Task A_record_dropped_the_first_time_and_kept_by_the_replay_is_delivered_once()
    {
        using var dir = new TempDir();
        // 2 is dropped between 1 and 3, which land together: the object's ordinals do not include it
        await using var endpoint = new TransformationEndpoint(i => i switch { 2 => ("Dropped", null), 4 => ("Ok", "held"), _ => ("Ok", "a") });
        var lake = await CrashAfterTheFirstObjectAsync(dir, endpoint, """{"i":1}""", """{"i":2}""", """{"i":3}""", """{"i":4}""");
        Assert.Equal([1, 3], DeliveredIds(lake).Order());

        endpoint.Answer = _ => ("Ok", "a");
        await RestartAsync(dir, endpoint);

        Assert.Equal([1, 2, 3, 4], DeliveredIds(lake).Order());
    }

    [Fact]
    public async Task An_object_that_landed_before_its_delivery_record_is_not_delivered_again_when_the_replay_answers_another_partition()
    {
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        await using var endpoint = new TransformationEndpoint(i => i == 3 ? ("Ok", "held") : ("Ok", "a"));
        var landed = new TaskCompletionSource();
        var crash = new TaskCompletionSource();
        var crashed = Open(Transforming(lake, endpoint.Uri), Path.Combine(dir.Path, "data"), new FakeTimeProvider(Start));
        crashed.DeliveredNotYetRecorded = async () =>
        {
            landed.SetResult();
            await crash.Task;
            throw new SimulatedCrash(); // the process dies before the delivery log records the object
        };
        await crashed.StartAsync(default);
        await crashed.PutAsync(Records(Padded("""{"i":1}""", """{"i":2}""", """{"i":3}""")));
        await landed.Task;
        Assert.Equal([1, 2], IdsUnder(lake, "t/a/"));

        endpoint.Answer = _ => ("Ok", "b");
        await RestartAsync(dir, endpoint);
        crash.SetResult();

        Assert.Equal([1, 2, 3], DeliveredIds(lake).Order());
        Assert.Equal([3], IdsUnder(lake, "t/b/"));
    }

    [Fact]
    public async Task Records_converted_to_parquet_are_not_delivered_as_misfits_when_the_contract_changed_before_the_replay()
    {
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var data = Path.Combine(dir.Path, "data");
        StreamSettings Converting(string contractYaml) => Settings(lake, s => s with
        {
            Prefix = "events/",
            BufferingSizeMiB = 1,
            FormatConversion = new FormatConversionSettings(Core.Contracts.ContractLoader.Parse(contractYaml, "clicks.contract.yaml", _ => null)),
        });
        var crashed = Open(Converting(ContractKit.Yaml), data, new FakeTimeProvider(Start));
        await crashed.StartAsync(default);
        await crashed.PutAsync(Records($"{{\"id\":1,\"page\":\"{Big}\"}}", $"{{\"id\":2,\"page\":\"{Big}\"}}", """{"id":3,"page":"held"}"""));
        await crashed.BarrierAsync(); // 1 and 2 landed as a Parquet file; 3 waits in its buffer
        var parquet = Assert.Single(Objects(lake).Keys);

        // the contract now requires "ok", which no record has: on the replay every record is a misfit
        var stricter = ContractKit.Yaml.Replace("{name: ok, type: boolean}", "{name: ok, type: boolean, required: true}", StringComparison.Ordinal);
        Assert.NotEqual(ContractKit.Yaml, stricter);
        await using (var restarted = Open(Converting(stricter), data, new FakeTimeProvider(Start)))
        {
            await restarted.StartAsync(default);
        }

        var (_, rows) = await ContractKit.ReadParquetAsync(Path.Combine(lake, parquet));
        Assert.Equal([1L, 2L], rows.Select(r => long.Parse(r.Split('|')[0], System.Globalization.CultureInfo.InvariantCulture)));
        var errors = Objects(lake).Where(o => o.Key.StartsWith("events/format-conversion-failed/", StringComparison.Ordinal)).ToList();
        var misfits = errors.SelectMany(o => o.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(line => JsonNode.Parse(Convert.FromBase64String(JsonNode.Parse(line)!["rawData"]!.GetValue<string>()))!["id"]!.GetValue<int>());
        Assert.Equal([3], misfits);
    }

    [Fact]
    public async Task A_table_commit_that_landed_before_its_delivery_record_is_not_committed_again_under_another_buffer_key()
    {
        using var dir = new TempDir();
        var warehouse = Path.Combine(dir.Path, "lake");
        await using var endpoint = new TransformationEndpoint(i => i == 3 ? ("Ok", "held") : ("Ok", "a"));
        StreamSettings ToTable() => Transforming(Hosting.StreamServiceMapping.ErrorRoot(warehouse, "clicks"), endpoint.Uri) with
        {
            FormatConversion = new FormatConversionSettings(ContractKit.Clicks()),
            Iceberg = new IcebergDestinationSettings(warehouse, null, "web", "clicks"),
        };
        var committed = new TaskCompletionSource();
        var crash = new TaskCompletionSource();
        var crashed = Open(ToTable(), Path.Combine(dir.Path, "data"), new FakeTimeProvider(Start));
        crashed.DeliveredNotYetRecorded = async () =>
        {
            committed.SetResult();
            await crash.Task;
            throw new SimulatedCrash(); // the process dies before the delivery log records the commit
        };
        await crashed.StartAsync(default);
        await crashed.PutAsync(Records(
            $"{{\"id\":1,\"i\":1,\"page\":\"{Big}\"}}", $"{{\"id\":2,\"i\":2,\"page\":\"{Big}\"}}", """{"id":3,"i":3,"page":"held"}"""));
        await committed.Task;
        Assert.Equal("1,2", await TableIdsAsync(warehouse));

        endpoint.Answer = _ => ("Ok", "b");
        await RestartAsync(ToTable());
        crash.SetResult();

        Assert.Equal("1,2,3", await TableIdsAsync(warehouse));

        async Task RestartAsync(StreamSettings settings)
        {
            await using var restarted = Open(settings, Path.Combine(dir.Path, "data"), new FakeTimeProvider(Start));
            await restarted.StartAsync(default);
        }
    }

    /// <summary>Every id of the stream's table, in order, as lake SQL reads it.</summary>
    private static async Task<string> TableIdsAsync(string warehouse)
    {
        var table = await Lake.Engine.LakeWarehouse.Open(warehouse).OpenTableAsync(new Lake.Catalog.TableIdentifier("web", "clicks"), default);
        await using var engine = await Lake.Engine.DuckDbEngine.OpenAsync(threads: 1);
        await Lake.Engine.LakeSql.RegisterTableAsync(engine, "clicks", table, null, default);
        var r = await engine.QueryAsync("SELECT string_agg(CAST(id AS VARCHAR), ',' ORDER BY id) FROM clicks");
        return (string)r.Rows[0][0]!;
    }

    private sealed class SimulatedCrash : Exception;

    /// <summary>Every record but the last padded to 600 KiB.</summary>
    private static string[] Padded(params string[] records) =>
        [.. records.Select((r, n) => n == records.Length - 1 ? r : r[..^1] + $",\"pad\":\"{Big}\"}}")];

    private static StreamSettings Transforming(string lake, Uri endpoint) => Settings(lake, s => s with
    {
        EnableDynamicPartitioning = true,
        Prefix = "t/!{partitionKeyFromLambda:p}/",
        ErrorPrefix = "errors/!{firehose:error-output-type}/",
        EnableNewlineAppending = true,
        BufferingSizeMiB = 1,
        Transformation = new TransformationSettings { Endpoint = endpoint, Attempts = 1 },
    });

    /// <summary>
    /// Puts the records (every one but the last padded to 600 KiB) to a stream that delivers the first full partition
    /// buffer and then "dies" with the last record still buffered: its log segment stays, so a restart replays it all.
    /// </summary>
    private static async Task<string> CrashAfterTheFirstObjectAsync(TempDir dir, TransformationEndpoint endpoint, params string[] records)
    {
        var lake = Path.Combine(dir.Path, "lake");
        var crashed = Open(Transforming(lake, endpoint.Uri), Path.Combine(dir.Path, "data"), new FakeTimeProvider(Start));
        await crashed.StartAsync(default);
        await crashed.PutAsync(Records(Padded(records)));
        await crashed.BarrierAsync(); // the full buffer landed and the delivery log recorded it
        Assert.Single(Objects(lake));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.Path, "data", "clicks", "wal"), "*.wal"));
        return lake;
    }

    private static async Task RestartAsync(TempDir dir, TransformationEndpoint endpoint)
    {
        await using var restarted = Open(Transforming(Path.Combine(dir.Path, "lake"), endpoint.Uri), Path.Combine(dir.Path, "data"), new FakeTimeProvider(Start));
        await restarted.StartAsync(default);
    }

    private static List<int> DeliveredIds(string lake) => [.. Objects(lake).Values.SelectMany(Ids)];

    private static List<int> IdsUnder(string lake, string prefix) =>
        [.. Objects(lake).Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).SelectMany(o => Ids(o.Value)).Order()];

    /// <summary>The "i" of each line of an object: a record as delivered, or the raw data of an error record.</summary>
    private static IEnumerable<int> Ids(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var node = JsonNode.Parse(line)!;
            if (node["rawData"]?.GetValue<string>() is { } raw) node = JsonNode.Parse(Convert.FromBase64String(raw))!;
            return node["i"]!.GetValue<int>();
        });

    /// <summary>
    /// A Lambda-contract HTTP endpoint: each record (JSON with an "i") gets the result and partition key "p" that
    /// <see cref="Answer"/> gives now, its data unchanged.
    /// </summary>
    private sealed class TransformationEndpoint : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;

        public TransformationEndpoint(Func<int, (string Result, string? Partition)> answer)
        {
            Answer = answer;
            var port = Testing.Services.ServiceProcesses.FreePort();
            Uri = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Uri.ToString());
            _listener.Start();
            _serving = Task.Run(ServeAsync);
        }

        public Uri Uri { get; }

        public volatile Func<int, (string Result, string? Partition)> Answer;

        private async Task ServeAsync()
        {
            while (true)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
                var request = JsonNode.Parse(await reader.ReadToEndAsync())!;
                var answer = Answer;
                var records = new JsonArray();
                foreach (var r in request["records"]!.AsArray())
                {
                    var data = r!["data"]!.GetValue<string>();
                    var (result, partition) = answer(JsonNode.Parse(Convert.FromBase64String(data))!["i"]!.GetValue<int>());
                    var output = new JsonObject { ["recordId"] = r["recordId"]!.GetValue<string>(), ["result"] = result, ["data"] = data };
                    if (partition is not null) output["metadata"] = new JsonObject { ["partitionKeys"] = new JsonObject { ["p"] = partition } };
                    records.Add(output);
                }
                var body = Encoding.UTF8.GetBytes(new JsonObject { ["records"] = records }.ToJsonString());
                ctx.Response.ContentType = "application/json";
                await ctx.Response.OutputStream.WriteAsync(body);
                ctx.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _serving;
            _listener.Close();
        }
    }
}
