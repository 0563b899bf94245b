using System.Text.Json.Nodes;
using Dativo.Streaming.Jq;

namespace Dativo.Streaming.Tests;

public sealed class JqQueryTests
{
    private const string Record = """{"customer_id":"1234567890","type":{"device":"mobile"},"event_timestamp":1565382027,"n":42,"f":1.5,"ok":true,"tags":["a","b"],"x":null}""";

    [Theory]
    [InlineData("{customer_id:.customer_id}", "customer_id=1234567890")]
    [InlineData("{device:.type.device, year:.event_timestamp|strftime(\"%Y\"), hour:.event_timestamp|strftime(\"%H\")}", "device=mobile,year=2019,hour=20")]
    [InlineData("{\"quoted key\": .type[\"device\"]}", "quoted key=mobile")]
    [InlineData("{n: .n | tostring, f: .f, ok: .ok}", "n=42,f=1.5,ok=true")]
    [InlineData("{t: .tags[1], last: .tags[-1]}", "t=b,last=b")]
    [InlineData("{region: .region // \"unknown\", x: .x // \"none\"}", "region=unknown,x=none")]
    [InlineData("{customer_id}", "customer_id=1234567890")]
    [InlineData("{d: .event_timestamp | todate}", "d=2019-08-09T20:20:27Z")]
    [InlineData("{u: .type.device | ascii_upcase}", "u=MOBILE")]
    [InlineData(". as_is_not_supported", null)]
    public void Extracts_partition_keys(string query, string? expected)
    {
        if (expected is null)
        {
            Assert.Throws<FormatException>(() => JqQuery.Parse(query));
            return;
        }
        var keys = JqQuery.Parse(query).ExtractPartitionKeys(JsonNode.Parse(Record));
        Assert.Equal(expected, string.Join(",", keys.Select(k => $"{k.Key}={k.Value}")));
    }

    [Theory]
    [InlineData("{a:.missing}", "'a' is null")]
    [InlineData(".customer_id", "not an object")]
    [InlineData("{a:.type}", "an object, not a string")]
    [InlineData("{a:.customer_id.sub}", "cannot index a string")]
    [InlineData("{a:.customer_id|strftime(\"%Y\")}", "strftime needs a number")]
    public void Unusable_results_fail_the_record_with_a_reason(string query, string expected)
    {
        var e = Assert.Throws<JqEvaluationException>(() => JqQuery.Parse(query).ExtractPartitionKeys(JsonNode.Parse(Record)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{a:.a, b:.b", "column 12: expected '}'")]
    [InlineData(".a, .b", "several values")]
    [InlineData("{a: sort}", "'sort' is not supported")]
    [InlineData("{a: \"x\\(.y)\"}", "interpolation")]
    public void Parse_errors_name_the_column(string query, string expected)
    {
        var e = Assert.Throws<FormatException>(() => JqQuery.Parse(query));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
