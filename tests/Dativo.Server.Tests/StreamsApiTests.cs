using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Server.Tests;

/// <summary>
/// The delivery streams inside <c>dativo serve</c>, on the server's own port: the Firehose API (ingest key or SigV4, the
/// stock SDK too), <c>POST /api/streams/{name}/records</c>, the list, sampled metrics and alarms, readiness and /metrics.
/// One server per test: each drives its own fake clock.
/// </summary>
public sealed class StreamsApiTests
{
    private static HttpClient Client(StreamsServer server, string? key)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }

    /// <summary>A Firehose JSON 1.1 call as the SDKs send it, authenticated by an API key header instead of a signature.</summary>
    internal static async Task<(HttpStatusCode Status, JsonNode Body)> FirehoseAsync(HttpClient http, string operation, object body, string? apiKeyHeader = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8) };
        req.Content.Headers.ContentType = new("application/x-amz-json-1.1");
        req.Headers.Add("X-Amz-Target", "Firehose_20150804." + operation);
        if (apiKeyHeader is not null) req.Headers.Add("X-Api-Key", apiKeyHeader);
        var r = await http.SendAsync(req);
        var text = await r.Content.ReadAsStringAsync();
        return (r.StatusCode, JsonNode.Parse(text.Length == 0 ? "{}" : text)!);
    }

    private static object Batch(string stream, params string[] records) =>
        new { DeliveryStreamName = stream, Records = records.Select(r => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(r)) }).ToArray() };

    [Fact]
    public async Task Records_put_with_an_ingest_key_through_the_Firehose_API_and_the_REST_API_land_as_objects()
    {
        await using var server = await StreamsServer.StartNewAsync();
        using var ingest = Client(server, server.Ingest);

        // Firehose on POST / of the server's port, with the key as a bearer token and as X-Api-Key
        var (status, put) = await FirehoseAsync(ingest, "PutRecordBatch", Batch("clicks", "{\"page\":\"home\",\"n\":1}", "{\"page\":\"cart\",\"n\":2}"));
        Assert.True(status == HttpStatusCode.OK, put.ToJsonString());
        Assert.Equal(0, (int)put["FailedPutCount"]!);
        Assert.Equal(2, put["RequestResponses"]!.AsArray().Count);
        using var anonymous = Client(server, null);
        var (viaHeader, single) = await FirehoseAsync(anonymous, "PutRecord",
            new { DeliveryStreamName = "clicks", Record = new { Data = Convert.ToBase64String("{\"page\":\"home\",\"n\":3}"u8.ToArray()) } }, server.Ingest);
        Assert.True(viaHeader == HttpStatusCode.OK, single.ToJsonString());
        Assert.Matches("^[0-9a-f]{24}$", (string)single["RecordId"]!);
        var (_, names) = await FirehoseAsync(ingest, "ListDeliveryStreams", new { });
        Assert.Equal(["audit", "clicks"], names["DeliveryStreamNames"]!.AsArray().Select(n => (string)n!));

        // the REST endpoint: each JSON value is a record; base64 for raw bytes
        var rest = await ingest.PostAsJsonAsync("/api/streams/clicks/records", new { records = new object[] { new { page = "cart", n = 4 } } });
        var restBody = await rest.Content.ReadAsStringAsync();
        Assert.True(rest.StatusCode == HttpStatusCode.OK, restBody);
        Assert.Single(JsonNode.Parse(restBody)!["record_ids"]!.AsArray());
        var raw = await ingest.PostAsJsonAsync("/api/streams/clicks/records", new { encoding = "base64", records = new[] { Convert.ToBase64String("{\"page\":\"home\",\"n\":5}"u8.ToArray()) } });
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        var unknown = await ingest.PostAsJsonAsync("/api/streams/nope/records", new { records = new[] { 1 } });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var tooMany = await ingest.PostAsJsonAsync("/api/streams/clicks/records", new { records = Enumerable.Range(0, 501).ToArray() });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("500", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // nothing is delivered before the buffering interval; after it, every record is in its partition's object
        Assert.Empty(server.Objects("out"));
        await server.AdvanceAsync(TimeSpan.FromSeconds(61));
        var objects = server.Objects("out");
        Assert.Equal(2, objects.Count);
        var home = Assert.Single(objects, o => o.Key.StartsWith("data/page=home/clicks-1-", StringComparison.Ordinal));
        Assert.Equal("{\"page\":\"home\",\"n\":1}\n{\"page\":\"home\",\"n\":3}\n{\"page\":\"home\",\"n\":5}\n", home.Value);
        var cart = Assert.Single(objects, o => o.Key.StartsWith("data/page=cart/", StringComparison.Ordinal));
        Assert.Equal("{\"page\":\"cart\",\"n\":2}\n{\"page\":\"cart\",\"n\":4}\n", cart.Value);
    }

    [SkippableFact]
    public async Task A_stock_sdk_client_writes_to_the_server_url_with_sigv4_or_an_ingest_key_header()
    {
        Skip.If(SdkSkipReason is not null, SdkSkipReason);
        await using var server = await StreamsServer.StartNewAsync();
        var endpoint = new Uri(server.Url);
        var signed = await FirehoseSdkAsync(endpoint, StreamsServer.AccessKey, StreamsServer.Secret, null,
            new { op = "PutRecordBatch", input = new { stream = "clicks", count = 2, text = "{\"page\":\"sdk\"}" } },
            new { op = "Describe", input = new { stream = "clicks" } });
        Assert.All(signed, r => Assert.Null(r["error"]));
        // an ingest key in X-Api-Key (the SDK still signs, with credentials the server does not know)
        var keyed = await FirehoseSdkAsync(endpoint, "AKIDUNKNOWN", "not-a-secret", server.Ingest,
            new { op = "PutRecord", input = new { stream = "clicks", text = "{\"page\":\"sdk\"}" } });
        Assert.Null(keyed[0]["error"]);
        var readKey = await FirehoseSdkAsync(endpoint, "AKIDUNKNOWN", "not-a-secret", server.Read,
            new { op = "PutRecord", input = new { stream = "clicks", text = "{\"page\":\"sdk\"}" } });
        Assert.Equal("AccessDeniedException", (string?)readKey[0]["error"]);
        Assert.Equal(403, (int)readKey[0]["status"]!);
        var unsigned = await FirehoseSdkAsync(endpoint, "AKIDUNKNOWN", "not-a-secret", null,
            new { op = "PutRecord", input = new { stream = "clicks", text = "{\"page\":\"sdk\"}" } });
        Assert.Equal("UnrecognizedClientException", (string?)unsigned[0]["error"]);

        await server.AdvanceAsync(TimeSpan.FromSeconds(61));
        var obj = Assert.Single(server.Objects("out"));
        Assert.StartsWith("data/page=sdk/", obj.Key, StringComparison.Ordinal);
        Assert.Equal(string.Concat(Enumerable.Repeat("{\"page\":\"sdk\"}\n", 3)), obj.Value);
    }

    [Fact]
    public async Task The_list_metrics_and_alarms_show_what_came_in_what_was_delivered_and_the_alarm_states()
    {
        await using var server = await StreamsServer.StartNewAsync();
        using var read = Client(server, server.Read);
        using var ingest = Client(server, server.Ingest);
        var ready = await server.GetJsonAsync("/readyz");
        Assert.Equal(2, (int)ready["streams"]!);

        // minute 1: five records (above the high threshold of 3); they wait in two partition buffers
        var put = await ingest.PostAsJsonAsync("/api/streams/clicks/records",
            new { records = new object[] { new { page = "a" }, new { page = "a" }, new { page = "b" }, new { page = "a" }, new { page = "b" } } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await server.AdvanceAsync(TimeSpan.FromSeconds(10));
        var list = await server.GetJsonAsync("/api/streams", read);
        Assert.True((bool)list["configured"]!);
        var clicks = list["streams"]!.AsArray().Single(s => (string)s!["name"]! == "clicks")!;
        Assert.Equal(5, (long)clicks["incoming_records"]!);
        Assert.Equal(0, (long)clicks["delivered_records"]!);
        Assert.Equal(2, (int)clicks["active_partitions"]!);
        Assert.Equal(5 * "{\"page\":\"a\"}\n".Length, (long)clicks["buffered_bytes"]!);
        Assert.True((double)clicks["buffer_fill"]! > 0);
        Assert.EndsWith("out", (string)clicks["destination"]!, StringComparison.Ordinal);
        Assert.Equal(["OK", "OK"], clicks["alarms"]!.AsArray().Select(a => (string)a!["state"]!));

        // at 60 s the buffers are delivered and the minute is evaluated: high ALARM (5 > 3), low OK
        await server.AdvanceAsync(TimeSpan.FromSeconds(50));
        var alarms = await server.GetJsonAsync("/api/streams/clicks/alarms", read);
        var states = alarms["alarms"]!.AsArray().ToDictionary(a => (string)a!["kind"]!, a => (string)a!["state"]!);
        Assert.Equal(new Dictionary<string, string> { ["high"] = "ALARM", ["low"] = "OK" }, states);
        Assert.Equal(3, (long)alarms["alarms"]!.AsArray().Single(a => (string)a!["kind"]! == "high")!["threshold"]!);
        // minute 2 without traffic: the low alarm fires, the high one returns to OK
        await server.AdvanceAsync(TimeSpan.FromSeconds(60));
        states = (await server.GetJsonAsync("/api/streams/clicks/alarms", read))["alarms"]!.AsArray().ToDictionary(a => (string)a!["kind"]!, a => (string)a!["state"]!);
        Assert.Equal(new Dictionary<string, string> { ["high"] = "OK", ["low"] = "ALARM" }, states);

        // a sample every 10 s: the records came in during the first interval; what was delivered adds up to what came in
        var metrics = await server.GetJsonAsync("/api/streams/clicks/metrics", read);
        Assert.Equal(10, (double)metrics["interval_s"]!);
        var samples = metrics["samples"]!.AsArray();
        Assert.Equal(13, samples.Count); // at start, then 12 ticks of 10 s
        Assert.Equal(5, (long)samples[1]!["incoming_records"]!);
        Assert.Equal(5, samples.Sum(s => (long)s!["incoming_records"]!));
        Assert.Equal(5 * "{\"page\":\"a\"}\n".Length, samples.Sum(s => (long)s!["delivered_bytes"]!));
        Assert.Equal(0, (long)samples[^1]!["buffered_bytes"]!);
        Assert.Equal(0, (int)samples[^1]!["active_partitions"]!);

        var prometheus = await read.GetStringAsync("/metrics");
        Assert.Contains("dativo_stream_incoming_records_total{stream=\"clicks\"} 5", prometheus, StringComparison.Ordinal);
        Assert.Contains("dativo_stream_alarm_state{stream=\"clicks\",alarm=\"low\"} 1", prometheus, StringComparison.Ordinal);
        Assert.Contains("dativo_http_requests_total", prometheus, StringComparison.Ordinal);
        var openapi = await read.GetStringAsync("/openapi.json");
        foreach (var path in new[] { "/api/streams/{name}/metrics", "/api/streams/{name}/alarms", "/api/streams/{name}/records" })
            Assert.Contains($"\"{path}\"", openapi, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await read.GetAsync("/api/streams/nope/metrics")).StatusCode);
    }

    [Fact]
    public async Task The_history_keeps_the_last_hour_of_samples()
    {
        await using var server = await StreamsServer.StartNewAsync();
        using var read = Client(server, server.Read);
        for (var i = 0; i < 370; i++) server.Clock.Advance(TimeSpan.FromSeconds(10));
        var samples = (await server.GetJsonAsync("/api/streams/audit/metrics", read))["samples"]!.AsArray();
        Assert.Equal(360, samples.Count);
        var first = DateTimeOffset.Parse((string)samples[0]!["at"]!, System.Globalization.CultureInfo.InvariantCulture);
        var last = DateTimeOffset.Parse((string)samples[^1]!["at"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromSeconds(3590), last - first);
    }

    private static string? SdkSkipReason =>
        ServiceProcesses.OnPath("node") is null ? "node is not on PATH"
        : File.Exists(Repo.Path_("tests", "services", "node_modules", "@aws-sdk", "client-firehose", "package.json")) ? null
        : "tests/services/node_modules/@aws-sdk/client-firehose is missing: run `npm install` in tests/services";

    /// <summary>tests/services/firehose-client.js: the stock @aws-sdk/client-firehose, its endpoint overridden to the server.</summary>
    private static async Task<List<JsonNode>> FirehoseSdkAsync(Uri endpoint, string key, string secret, string? apiKey, params object[] calls)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(ServiceProcesses.OnPath("node")!)
        {
            WorkingDirectory = Repo.Path_("tests", "services"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Repo.Path_("tests", "services", "firehose-client.js"));
        psi.ArgumentList.Add(System.Text.Json.JsonSerializer.Serialize(new { mode = "calls", endpoint = endpoint.ToString(), accessKeyId = key, secretAccessKey = secret, apiKey, maxAttempts = 1, calls }));
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, await stderr);
        return [.. (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
    }
}
