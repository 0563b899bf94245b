using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Streaming.Api;
using Dativo.Streaming.Jq;

namespace Dativo.Streaming.Tests;

/// <summary>
/// The fast paths of the ingest hot path agree with the general code they shortcut: the jq path reader with the tree
/// evaluator, the PutRecordBatch reader with the document parser (anything unusual is left to the general path).
/// </summary>
public sealed class HotPathTests
{
    public static TheoryData<string, string> Records => new()
    {
        { "{k: .k}", """{"k":"p1","pad":"xxxx"}""" },
        { "{k: .k}", """{"pad":{"k":"inner","a":[1,{"k":2}]},"k":"outer"}""" },
        { "{k: .k}", """{"k":12.50}""" },
        { "{k: .k}", """{"k":1e3,"b":true}""" },
        { "{k: .k}", """{"k":true}""" },
        { "{k: .k}", """{"k":"\u00e9\/\"q"}""" },
        { "{k: .k}", """{"\u006b":"escaped name"}""" },
        { "{k: .k}", """{"k":"first","k":"second"}""" },
        { "{k: .k}", """{"k":null}""" },
        { "{k: .k}", """{"other":1}""" },
        { "{k: .k}", """{"k":{"a":1}}""" },
        { "{k: .k}", """{"k":[1]}""" },
        { "{k: .k}", """["k"]""" },
        { "{k: .k}", "\"text\"" },
        { "{k: .k}", """{"k":"a"} trailing""" },
        { "{k: .k}", """{"k":"a","bad":tru}""" },
        { "{k: .k}", """{"k":"a",}""" },
        { "{k: .k}", "not json" },
        { "{k: .k}", "" },
        { "{a: .t.d, b: .t.e, c: .k}", """{"t":{"d":"x","e":5},"k":"y"}""" },
        { "{a: .t.d, b: .t.e}", """{"t":{"d":"x"},"t":{"e":5}}""" },
        { "{a: .t.d}", """{"t":"not an object"}""" },
        { "{a: .t.d}", """{"t":null}""" },
        { "{a: .t, b: .t.d}", """{"t":{"d":"x"}}""" },
        { "{a: .k, a: .j}", """{"k":"1","j":"2"}""" },
        { "{\"quoted key\": .[\"k\"]}", """{"k":"v"}""" },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void The_jq_path_reader_gives_what_the_evaluator_gives(string query, string record)
    {
        var q = JqQuery.Parse(query);
        var fast = Outcome(() => q.ExtractPartitionKeys(Encoding.UTF8.GetBytes(record)));
        var general = Outcome(() => q.ExtractPartitionKeys(JsonNode.Parse(record)));
        Assert.Equal(general, fast);
    }

    [Fact]
    public async Task A_record_that_repeats_a_property_name_goes_to_the_error_prefix_instead_of_stopping_the_stream()
    {
        var settings = StreamTestKit.DynamicPartitioning("unused");
        var output = await StreamTestKit.Processor(settings).ProcessAsync(
            [StreamTestKit.Entry(1, StreamTestKit.Start, """{"k":"a","k":"b"}"""), StreamTestKit.Entry(2, StreamTestKit.Start, """{"k":"c"}""")], default);
        Assert.True(output[0].IsError);
        Assert.Equal("DynamicPartitioning.MetadataExtractionFailed", JsonNode.Parse(output[0].Data.Span)!["errorCode"]!.GetValue<string>());
        Assert.Contains("appears twice", JsonNode.Parse(output[0].Data.Span)!["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("data/k=c/", output[1].BufferKey);
    }

    [Fact]
    public async Task Records_read_into_reused_key_memory_each_get_their_own_prefix()
    {
        // long value then short ones (stale text would leak), values whose plain concatenation is the same ("ab"+"c" and
        // "a"+"bc"), an escaped value, a number, a repeat of the first record, and a record the plain reader leaves to
        // the evaluator (a missing key)
        var settings = StreamTestKit.DynamicPartitioning("unused", s => s with
        {
            JqMetadataQuery = "{a: .a, b: .b}",
            Prefix = "data/a=!{partitionKeyFromQuery:a}/b=!{partitionKeyFromQuery:b}/",
        });
        string[] records =
        [
            """{"a":"a-long-first-value","b":"x"}""",
            """{"a":"ab","b":"c"}""",
            """{"a":"a","b":"bc"}""",
            """{"b":"q","a":"\u0065sc"}""",
            """{"a":7,"b":"n"}""",
            """{"a":"a-long-first-value","b":"x"}""",
            """{"b":"only b"}""",
        ];
        var output = await StreamTestKit.Processor(settings).ProcessAsync(
            [.. records.Select((r, i) => StreamTestKit.Entry(i + 1, StreamTestKit.Start, r))], default);
        Assert.Equal(
            ["data/a=a-long-first-value/b=x/", "data/a=ab/b=c/", "data/a=a/b=bc/", "data/a=esc/b=q/", "data/a=7/b=n/", "data/a=a-long-first-value/b=x/"],
            output.Take(6).Select(r => r.BufferKey));
        Assert.True(output[6].IsError);
    }

    [Fact]
    public void The_jq_path_reader_serves_only_plain_path_queries()
    {
        Assert.NotNull(JqPathExtractor.For(Root("{k: .k, d: .a.b.c, \"q k\": .[\"x\"]}")));
        Assert.Null(JqPathExtractor.For(Root("{k: .k | tostring}")));
        Assert.Null(JqPathExtractor.For(Root("{k: .tags[0]}")));
        Assert.Null(JqPathExtractor.For(Root("{k: .k // \"x\"}")));
        Assert.Null(JqPathExtractor.For(Root("{k: .k?}")));
        Assert.Null(JqPathExtractor.For(Root("{(.name): .k}")));
        Assert.Null(JqPathExtractor.For(Root(".k")));
    }

    [Fact]
    public void A_plain_batch_is_read_into_slices_of_one_pooled_array()
    {
        var records = new[] { "{\"k\":\"a\"}", "", new string('x', 3000) };
        var body = Body("{\"DeliveryStreamName\":\"s\",\"Records\":[" + string.Join(",", records.Select(r => $"{{\"Data\":\"{B64(r)}\"}}")) + "]}");
        Assert.True(RecordBatchReader.TryRead(body, out var stream, out var batch));
        using (batch)
        {
            Assert.Equal("s", stream);
            Assert.Equal(records, batch!.Records.Select(r => Encoding.UTF8.GetString(r.Span)));
            Assert.Equal(records.Sum(r => r.Length), batch.Bytes);
        }
        Assert.True(RecordBatchReader.TryRead(Body($"{{ \"Records\" : [ {{ \"Data\" : \"{B64("x")}\" }} ] , \"DeliveryStreamName\" : \"s\" }}"), out _, out var reordered));
        reordered!.Dispose();
    }

    [Theory]
    [InlineData("{\"DeliveryStreamName\":\"s\",\"Records\":[]}")] // empty: ValidationException
    [InlineData("{\"DeliveryStreamName\":\"s\"}")] // no records
    [InlineData("{\"Records\":[{\"Data\":\"eA==\"}]}")] // no stream name
    [InlineData("{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":\"not base64!\"}]}")]
    [InlineData("{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":\"eA\\u003d\\u003d\"}]}")] // escaped base64
    [InlineData("{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":null}]}")]
    [InlineData("{\"DeliveryStreamName\":\"s\",\"Records\":[{}]}")]
    [InlineData("{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":\"eA==\",\"PartitionKey\":\"x\"}]}")]
    [InlineData("{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":\"eA==\"}],\"Extra\":1}")]
    [InlineData("{\"DeliveryStreamName\":\"s\",\"DeliveryStreamName\":\"t\",\"Records\":[{\"Data\":\"eA==\"}]}")]
    [InlineData("{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":\"eA==\"}]")] // cut off
    [InlineData("{\"DeliveryStreamName\":\"s\",\"Records\":[{\"Data\":\"eA==\"}]} {}")]
    [InlineData("[]")]
    [InlineData("")]
    public void Anything_unusual_is_left_to_the_general_path(string body)
    {
        Assert.False(RecordBatchReader.TryRead(Body(body), out _, out var batch));
        Assert.Null(batch);
    }

    [Fact]
    public void Batches_beyond_firehose_limits_are_left_to_the_general_path()
    {
        string Batch(int count, int size) => "{\"DeliveryStreamName\":\"s\",\"Records\":[" +
            string.Join(",", Enumerable.Repeat($"{{\"Data\":\"{B64(new string('x', size))}\"}}", count)) + "]}";
        Assert.True(RecordBatchReader.TryRead(Body(Batch(500, 10)), out _, out var ok));
        ok!.Dispose();
        Assert.False(RecordBatchReader.TryRead(Body(Batch(501, 10)), out _, out _));
        Assert.False(RecordBatchReader.TryRead(Body(Batch(1, FirehoseApi.MaxRecordBytes + 1)), out _, out _));
        Assert.False(RecordBatchReader.TryRead(Body(Batch(5, 1_000_000)), out _, out _)); // 5 MB > 4 MiB
    }

    private static JqNode Root(string query) => new JqParser(query).ParseAll();

    private static byte[] Body(string text) => Encoding.UTF8.GetBytes(text);

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Outcome(Func<Dictionary<string, string>> extract)
    {
        try
        {
            return string.Join(",", extract().Select(k => $"{k.Key}={k.Value}"));
        }
        catch (JqEvaluationException e)
        {
            return "jq error: " + e.Message;
        }
        catch (Exception e) when (e is JsonException or ArgumentException) // a tree refuses a repeated name only when read
        {
            return "not JSON"; // the reader's message may name another position; the record goes to the same error either way
        }
    }
}
