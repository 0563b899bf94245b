using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Lake.Storage;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Runtime;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Streaming.Tests;

/// <summary>The stock AWS SDK for JavaScript against the in-process service: calls, deliveries, and every bad input's error.</summary>
public sealed class FirehoseApiTests(S3BucketFixture s3) : IClassFixture<S3BucketFixture>
{
    private const string Key = "AKIDDATIVOTEST";
    private const string Secret = "dativo-test-secret";

    private static StreamSettings Clicks(string destination, ObjectStoreOptions? options = null) => new()
    {
        Name = "clicks",
        Destination = destination,
        DestinationOptions = options,
        EnableDynamicPartitioning = true,
        JqMetadataQuery = "{k:.k}",
        Prefix = "data/k=!{partitionKeyFromQuery:k}/",
        ErrorPrefix = "errors/!{firehose:error-output-type}/",
        EnableNewlineAppending = true,
    };

    private static StreamingService Service(string dataDir, IReadOnlyList<StreamSettings> streams, AuthSettings? auth = null, long budget = 1L << 30) =>
        new(new ServiceSettings
        {
            Streams = streams,
            DataDirectory = dataDir,
            Port = 0,
            Auth = auth ?? new AuthSettings { SigV4Keys = new Dictionary<string, string> { [Key] = Secret } },
            WalDiskBudgetBytes = budget,
        }, TimeProvider.System);

    [SkippableFact]
    public async Task A_stock_sdk_client_puts_records_that_land_under_their_partition_prefixes_locally_and_on_s3()
    {
        Skip.If(FirehoseClient.SkipReason is not null, FirehoseClient.SkipReason);
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var s3Options = new ObjectStoreOptions { Endpoint = s3.Endpoint, AccessKeyId = s3.AccessKey, SecretAccessKey = s3.SecretKey, Region = "us-east-1" };
        var onS3 = Clicks($"s3://{s3.Bucket}/firehose", s3Options) with { Name = "clicks-s3", Compression = CompressionFormat.Gzip };
        List<JsonNode> results;
        await using (var service = Service(Path.Combine(dir.Path, "data"), [Clicks(lake) with { Compression = CompressionFormat.Uncompressed }, onS3]))
        {
            await service.StartAsync(default);
            results = await FirehoseClient.CallsAsync(service.Endpoint, Key, Secret,
                new { op = "PutRecord", input = new { stream = "clicks", text = "{\"k\":\"a\",\"n\":1}" } },
                new { op = "PutRecordBatch", input = new { stream = "clicks", count = 3, text = "{\"k\":\"b\",\"n\":2}" } },
                new { op = "PutRecordBatch", input = new { stream = "clicks-s3", count = 2, text = "{\"k\":\"c\"}" } },
                new { op = "Describe", input = new { stream = "clicks" } },
                new { op = "List" });
        }
        Assert.All(results, r => Assert.Null(r["error"]));
        Assert.Matches("^[0-9a-f]{24}$", results[0]["ok"]!["RecordId"]!.GetValue<string>());
        Assert.Equal(0, results[1]["ok"]!["FailedPutCount"]!.GetValue<int>());
        Assert.Equal(3, results[1]["ok"]!["RequestResponses"]!.AsArray().Count);
        var description = results[3]["ok"]!["DeliveryStreamDescription"]!;
        Assert.Equal("ACTIVE", description["DeliveryStreamStatus"]!.GetValue<string>());
        Assert.Equal("arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks", description["DeliveryStreamARN"]!.GetValue<string>());
        Assert.Equal(["clicks", "clicks-s3"], results[4]["ok"]!["DeliveryStreamNames"]!.AsArray().Select(n => n!.GetValue<string>()));

        var local = StreamTestKit.Objects(lake);
        Assert.Equal(["data/k=a/", "data/k=b/"], local.Keys.Select(k => k[..9]));
        Assert.Equal("{\"k\":\"a\",\"n\":1}\n", local.Values.First());
        Assert.Equal(string.Concat(Enumerable.Repeat("{\"k\":\"b\",\"n\":2}\n", 3)), local.Values.Last());

        var store = ObjectStores.Open($"s3://{s3.Bucket}/firehose", s3Options);
        var onS3Objects = new List<ObjectInfo>();
        await foreach (var o in store.ListAsync("")) onS3Objects.Add(o);
        var obj = Assert.Single(onS3Objects);
        Assert.Matches(@"^data/k=c/clicks-s3-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f-]{36}\.gz$", obj.Key);
        await using var read = await store.OpenReadAsync(obj.Key);
        using var text = new StreamReader(new System.IO.Compression.GZipStream(read, System.IO.Compression.CompressionMode.Decompress));
        Assert.Equal("{\"k\":\"c\"}\n{\"k\":\"c\"}\n", await text.ReadToEndAsync());
    }

    [SkippableFact]
    public async Task Bad_input_gets_the_error_the_sdk_expects()
    {
        Skip.If(FirehoseClient.SkipReason is not null, FirehoseClient.SkipReason);
        using var dir = new TempDir();
        await using var service = Service(Path.Combine(dir.Path, "data"), [Clicks(Path.Combine(dir.Path, "lake"))], budget: 3_500_000);
        await service.StartAsync(default);
        var results = await FirehoseClient.CallsAsync(service.Endpoint, Key, Secret,
            new { op = "PutRecord", input = new { stream = "clicks", size = 1_024_001 } },
            new { op = "PutRecord", input = new { stream = "clicks", size = 1_024_000 } },
            new { op = "PutRecordBatch", input = new { stream = "clicks", count = 501 } },
            new { op = "PutRecordBatch", input = new { stream = "clicks", count = 5, size = 1_000_000 } },
            new { op = "PutRecord", input = new { stream = "nope" } },
            new { op = "PutRecord", input = new { stream = "clicks" }, secret = "wrong" },
            new { op = "PutRecord", input = new { stream = "clicks" }, key = "AKIDUNKNOWN" },
            new { op = "PutRecordBatch", input = new { stream = "clicks", count = 2, size = 1_000_000 } },
            new { op = "PutRecordBatch", input = new { stream = "clicks", count = 2, size = 1_000_000 } });
        string Error(int i) => results[i]["error"]?.GetValue<string>() ?? "ok";
        Assert.Equal("ValidationException", Error(0));
        Assert.Contains("1024000", results[0]["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("ok", Error(1));
        Assert.Equal("ValidationException", Error(2));
        Assert.Contains("500", results[2]["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("InvalidArgumentException", Error(3));
        Assert.Equal("ResourceNotFoundException", Error(4));
        Assert.Equal("InvalidSignatureException", Error(5));
        Assert.Equal("UnrecognizedClientException", Error(6));
        Assert.Equal("ok", Error(7));
        Assert.Equal("ServiceUnavailableException", Error(8)); // the log is over its 3.5 MB budget
        Assert.Equal(503, results[8]["status"]!.GetValue<int>());
        Assert.All(results, r => Assert.DoesNotContain(Secret, r.ToJsonString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_malformed_request_body_is_a_serialization_exception()
    {
        using var dir = new TempDir();
        await using var service = Service(Path.Combine(dir.Path, "data"), [Clicks(Path.Combine(dir.Path, "lake"))], AuthSettings.None);
        await service.StartAsync(default);
        using var http = new HttpClient();
        async Task<(HttpStatusCode, JsonNode)> Post(string target, string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, service.Endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };
            request.Headers.Add("X-Amz-Target", target);
            using var response = await http.SendAsync(request);
            return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        }
        var (status, error) = await Post("Firehose_20150804.PutRecord", "{\"DeliveryStreamName\": \"clicks\", \"Record\": ");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("SerializationException", error["__type"]!.GetValue<string>());
        (_, error) = await Post("Firehose_20150804.PutRecord", "{\"DeliveryStreamName\": \"clicks\", \"Record\": {\"Data\": \"not base64!\"}}");
        Assert.Equal("SerializationException", error["__type"]!.GetValue<string>());
        (_, error) = await Post("Firehose_20150804.DeleteDeliveryStream", "{}");
        Assert.Equal("UnknownOperationException", error["__type"]!.GetValue<string>());
        (status, error) = await Post("Firehose_20150804.PutRecord", "{\"DeliveryStreamName\": \"clicks\", \"Record\": {\"Data\": \"e30=\"}}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotNull(error["RecordId"]);
    }

    [Fact]
    public void Auth_none_is_refused_on_a_non_loopback_address()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DativoException>(() => new StreamingService(new ServiceSettings
        {
            Streams = [Clicks(Path.Combine(dir.Path, "lake"))],
            DataDirectory = dir.Path,
            BindAddress = "0.0.0.0",
        }, TimeProvider.System));
        Assert.Contains("loopback", e.Message, StringComparison.Ordinal);
    }
}
