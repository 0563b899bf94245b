using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Streaming.Processing;
using Dativo.Streaming.Runtime;
using Dativo.Testing;
using Microsoft.Extensions.Time.Testing;
using static Dativo.Streaming.Tests.StreamTestKit;

namespace Dativo.Streaming.Tests;

public sealed class RecordPipelineTests
{
    private static StreamSettings Dp(Func<StreamSettings, StreamSettings>? change = null) => Settings("/unused", s =>
    {
        s = s with
        {
            EnableDynamicPartitioning = true,
            JqMetadataQuery = "{k:.k}",
            Prefix = "data/k=!{partitionKeyFromQuery:k}/",
            ErrorPrefix = "errors/!{firehose:error-output-type}/",
        };
        return change is null ? s : change(s);
    });

    private static string Text(ProcessedRecord r) => Encoding.UTF8.GetString(r.Data.Span) + (r.Newline ? "\n" : "");

    private static string ErrorCode(ProcessedRecord r) => JsonNode.Parse(r.Data.Span)!["errorCode"]!.GetValue<string>();

    [Fact]
    public async Task Json_deaggregation_splits_concatenated_objects_then_newlines_are_appended()
    {
        var p = Processor(Dp(s => s with { Deaggregation = new DeaggregationSettings(DeaggregationType.Json), EnableNewlineAppending = true }));
        var output = await p.ProcessAsync([Entry(1, Start, "{\"k\":\"a\"}{\"k\":\"b\"}\n  {\"k\":\"a\",\"v\":[1,{\"x\":2}]}")], default);
        Assert.Equal(["{\"k\":\"a\"}\n", "{\"k\":\"b\"}\n", "{\"k\":\"a\",\"v\":[1,{\"x\":2}]}\n"], output.Select(Text));
        Assert.Equal(["data/k=a/", "data/k=b/", "data/k=a/"], output.Select(r => r.BufferKey));
        Assert.Equal([1L << 20, (1L << 20) + 1, (1L << 20) + 2], output.Select(r => r.Ordinal));
    }

    [Fact]
    public async Task Delimited_deaggregation_splits_on_the_delimiter()
    {
        var p = Processor(Dp(s => s with { Deaggregation = new DeaggregationSettings(DeaggregationType.Delimited, "####"u8.ToArray()) }));
        var output = await p.ProcessAsync([Entry(1, Start, "{\"k\":\"a\"}####{\"k\":\"b\"}####")], default);
        Assert.Equal(["{\"k\":\"a\"}", "{\"k\":\"b\"}"], output.Select(Text));
    }

    [Fact]
    public async Task Broken_input_goes_to_the_error_prefix_as_firehose_error_records()
    {
        var p = Processor(Dp(s => s with { Deaggregation = new DeaggregationSettings(DeaggregationType.Json) }));
        var output = await p.ProcessAsync([Entry(1, Start, "{\"k\":\"a\"}{\"k\":"), Entry(2, Start, "not json"), Entry(3, Start, "{\"other\":1}")], default);
        Assert.All(output, r => Assert.True(r.IsError));
        Assert.All(output, r => Assert.Equal("errors/processing-failed/", r.BufferKey));
        Assert.Equal(["DeAggregation.Failed", "DeAggregation.Failed", "DynamicPartitioning.MetadataExtractionFailed"], output.Select(ErrorCode));
        var line = JsonNode.Parse(output[0].Data.Span)!.AsObject();
        Assert.Equal(["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "rawData"], line.Select(kv => kv.Key));
        Assert.Equal("{\"k\":\"a\"}{\"k\":", Encoding.UTF8.GetString(Convert.FromBase64String(line["rawData"]!.GetValue<string>())));
        Assert.Equal(Start.ToUnixTimeMilliseconds(), line["arrivalTimestamp"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../../etc")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("x\u0000y")]
    [InlineData("x\ny")]
    public async Task A_partition_value_never_leaves_its_prefix(string value)
    {
        using var dir = new TempDir();
        var lake = Path.Combine(dir.Path, "lake");
        var time = new FakeTimeProvider(Start);
        var settings = Dp(s => s with { Destination = lake });
        await using (var stream = Open(settings, Path.Combine(dir.Path, "data"), time))
        {
            await stream.StartAsync(default);
            await stream.PutAsync(Records(new JsonObject { ["k"] = value }.ToJsonString(), "{\"k\":\"fine\"}"));
        }
        var objects = Objects(lake);
        Assert.Equal(2, objects.Count);
        Assert.Single(objects.Keys, k => k.StartsWith("data/k=fine/clicks-1-", StringComparison.Ordinal));
        var error = Assert.Single(objects, o => o.Key.StartsWith("errors/processing-failed/clicks-1-", StringComparison.Ordinal));
        Assert.Equal("DynamicPartitioning.InvalidPartitionKey", JsonNode.Parse(error.Value)!["errorCode"]!.GetValue<string>());
        Assert.All(Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories), f => Assert.StartsWith(dir.Path, Path.GetFullPath(f), StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_command_transformation_gets_the_lambda_contract_on_stdin()
    {
        var node = Testing.Services.ServiceProcesses.OnPath("node");
        Skip.If(node is null, "node is not on PATH");
        // upper-cases data, gives a partition key, fails "bad", drops "drop"; the record text never reaches a command line
        const string script = """
            let s = ''; process.stdin.on('data', d => s += d).on('end', () => {
              const req = JSON.parse(s);
              const records = req.records.map(r => {
                const text = Buffer.from(r.data, 'base64').toString();
                if (text === 'bad') return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
                if (text === 'drop') return { recordId: r.recordId, result: 'Dropped', data: r.data };
                return { recordId: r.recordId, result: 'Ok', data: Buffer.from(text.toUpperCase()).toString('base64'),
                         metadata: { partitionKeys: { first: text[0] } } };
              });
              process.stdout.write(JSON.stringify({ records }));
            });
            """;
        var p = Processor(Settings("/unused", s => s with
        {
            EnableDynamicPartitioning = true,
            Prefix = "t/!{partitionKeyFromLambda:first}/",
            ErrorPrefix = "errors/!{firehose:error-output-type}/",
            Transformation = new TransformationSettings { Command = [node!, "-e", script] },
        }));
        var output = await p.ProcessAsync([Entry(1, Start, "abc; rm -rf /"), Entry(2, Start, "bad"), Entry(3, Start, "drop"), Entry(4, Start, "$(x)")], default);
        Assert.Equal(["ABC; RM -RF /", "bad", "$(X)"], output.Select(r => r.IsError ? Encoding.UTF8.GetString(Convert.FromBase64String(JsonNode.Parse(r.Data.Span)!["rawData"]!.GetValue<string>())) : Text(r)));
        Assert.Equal(["t/a/", "errors/processing-failed/", "t/$/"], output.Select(r => r.BufferKey));
        Assert.Equal("Lambda.ProcessingFailed", ErrorCode(output[1]));
    }

    [Fact]
    public async Task A_failing_http_transformation_sends_the_batch_to_the_error_prefix_after_its_attempts()
    {
        using var listener = new HttpListener();
        var port = Testing.Services.ServiceProcesses.FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var calls = 0;
        var server = Task.Run(async () =>
        {
            while (true)
            {
                HttpListenerContext ctx;
                try { ctx = await listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                Interlocked.Increment(ref calls);
                ctx.Response.StatusCode = 500;
                ctx.Response.Close();
            }
        });
        var p = Processor(Settings("/unused", s => s with
        {
            Transformation = new TransformationSettings { Endpoint = new Uri($"http://127.0.0.1:{port}/"), Attempts = 3 },
        }));
        var output = await p.ProcessAsync([Entry(1, Start, "a"), Entry(2, Start, "b")], default);
        listener.Stop();
        Assert.Equal(3, calls);
        Assert.All(output, r => Assert.Equal("Lambda.InvokeFailed", ErrorCode(r)));
        Assert.All(output, r => Assert.Equal(3, JsonNode.Parse(r.Data.Span)!["attemptsMade"]!.GetValue<int>()));
        Assert.Equal("processing-failed/2026/01/02/03/", output[0].BufferKey);
    }
}
