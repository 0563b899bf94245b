using System.Text;
using System.Text.Json.Nodes;
using Dativo.Lake.Storage;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Runtime;
using Dativo.Testing;
using Dativo.Testing.Services;
using Microsoft.Extensions.Time.Testing;
using static Dativo.Streaming.Tests.StreamTestKit;

namespace Dativo.Streaming.Tests;

/// <summary>record_format_conversion: buffers become Parquet files by an ODCS contract; records that do not fit go to the error prefix.</summary>
public sealed class FormatConversionTests(S3BucketFixture s3) : IClassFixture<S3BucketFixture>
{
    private static List<JsonNode> ErrorLines(IEnumerable<KeyValuePair<string, string>> objects) =>
        [.. objects.SelectMany(o => o.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(l => JsonNode.Parse(l)!)];

    private static string Raw(JsonNode line) => Encoding.UTF8.GetString(Convert.FromBase64String(line["rawData"]!.GetValue<string>()));

    [Fact]
    public async Task Records_become_a_parquet_file_with_the_contract_types_and_misfits_go_to_the_error_prefix()
    {
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var settings = Settings(lake, s => s with { Prefix = "events/", FormatConversion = new FormatConversionSettings(ContractKit.Clicks(), "ZSTD") });
        await using (var stream = Open(settings, Path.Combine(dir.Path, "data"), new FakeTimeProvider(Start)))
        {
            await stream.StartAsync(default);
            await stream.PutAsync(Records(
                """{"id": 2, "page": "home", "price": 9.99, "at": "2026-01-02T03:04:05Z", "ok": true}""",
                """{"id": "1", "page": "cart", "extra": {"ignored": [1, 2]}}""",
                "{\"id\": 3,\r\n \"page\": \"pretty\"}",
                """{"id": "x", "page": "home"}""",
                """{"page": "no id"}""",
                """{"id": 4, "page": "home""",
                """[1, 2]"""));
        }

        var objects = Objects(lake);
        var parquet = Assert.Single(objects.Keys, k => k.EndsWith(".parquet", StringComparison.Ordinal));
        Assert.Matches(@"^events/2026/01/02/03/clicks-1-2026-01-02-03-04-05-[0-9a-f-]{36}\.parquet$", parquet);
        var (types, rows) = await ContractKit.ReadParquetAsync(Path.Combine(lake, parquet));
        Assert.Equal(["id BIGINT", "page VARCHAR", "price DECIMAL(10,2)", "at TIMESTAMP", "ok BOOLEAN"], types);
        Assert.Equal(["1|cart|null|null|null", "2|home|9.99|2026-01-02 03:04:05|True", "3|pretty|null|null|null"], rows);

        var errors = objects.Where(o => o.Key.StartsWith("events/format-conversion-failed/2026/01/02/03/", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        var lines = ErrorLines(errors);
        Assert.Equal(
            [
                ("DataFormatConversion.MalformedData", """{"id": "x", "page": "home"}"""),
                ("DataFormatConversion.MalformedData", """{"page": "no id"}"""),
                ("DataFormatConversion.ParseError", """{"id": 4, "page": "home"""),
                ("DataFormatConversion.MalformedData", "[1, 2]"),
            ],
            lines.Select(l => (l["errorCode"]!.GetValue<string>(), Raw(l))));
        Assert.Contains("field 'id' is not a long", lines[0]["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("requires field 'id'", lines[1]["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, objects.Count);
    }

    [SkippableFact]
    public async Task A_stock_sdk_client_streams_into_parquet_files_under_partition_prefixes_on_the_s3_test_server()
    {
        Skip.If(FirehoseClient.SkipReason is not null, FirehoseClient.SkipReason);
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        using var dir = new TempDir();
        var options = new ObjectStoreOptions { Endpoint = s3.Endpoint, AccessKeyId = s3.AccessKey, SecretAccessKey = s3.SecretKey, Region = "us-east-1" };
        var root = $"s3://{s3.Bucket}/parquet";
        var clicks = Settings(root, s => s with
        {
            DestinationOptions = options,
            EnableDynamicPartitioning = true,
            JqMetadataQuery = "{page:.page}",
            Prefix = "data/page=!{partitionKeyFromQuery:page}/",
            ErrorPrefix = "errors/!{firehose:error-output-type}/",
            EnableNewlineAppending = true,
            FormatConversion = new FormatConversionSettings(ContractKit.Clicks()),
        });
        await using (var service = new StreamingService(new ServiceSettings { Streams = [clicks], DataDirectory = Path.Combine(dir.Path, "data"), Port = 0 }, TimeProvider.System))
        {
            await service.StartAsync(default);
            var results = await FirehoseClient.CallsAsync(service.Endpoint, "AKIDANY", "any",
                new { op = "PutRecordBatch", input = new { stream = "clicks", count = 3, text = """{"id": 7, "page": "home", "price": "1.50"}""" } },
                new { op = "PutRecord", input = new { stream = "clicks", text = """{"id": 8, "page": "cart", "ok": true}""" } },
                new { op = "PutRecord", input = new { stream = "clicks", text = """{"id": 9.5, "page": "cart"}""" } });
            Assert.All(results, r => Assert.Null(r["error"]));
        }

        var store = ObjectStores.Open(root, options);
        var keys = new List<string>();
        await foreach (var o in store.ListAsync("")) keys.Add(o.Key);
        Assert.Equal(3, keys.Count);
        Assert.Matches(@"^data/page=cart/clicks-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f-]{36}\.parquet$", keys[0]);
        Assert.StartsWith("data/page=home/clicks-1-", keys[1], StringComparison.Ordinal);
        Assert.StartsWith("errors/format-conversion-failed/clicks-1-", keys[2], StringComparison.Ordinal);
        var rows = new List<string>();
        foreach (var key in keys.Take(2))
        {
            var local = Path.Combine(dir.Path, Path.GetFileName(key));
            await using (var read = await store.OpenReadAsync(key))
            await using (var file = File.Create(local))
                await read.CopyToAsync(file);
            rows.AddRange((await ContractKit.ReadParquetAsync(local)).Rows);
        }
        Assert.Equal(["8|cart|null|null|True", "7|home|1.50|null|null", "7|home|1.50|null|null", "7|home|1.50|null|null"], rows);
        await using var errors = await store.OpenReadAsync(keys[2]);
        var line = JsonNode.Parse(await new StreamReader(errors).ReadToEndAsync())!;
        Assert.Equal("DataFormatConversion.MalformedData", line["errorCode"]!.GetValue<string>());
        Assert.Equal("""{"id": 9.5, "page": "cart"}""", Raw(line));
    }
}
