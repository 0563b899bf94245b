using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Core.Errors;
using Dativo.Streaming.Prefixes;
using Dativo.Testing;
using static Dativo.Streaming.Tests.StreamTestKit;

namespace Dativo.Streaming.Tests;

/// <summary>The golden prefix cases of seed 001 (tests/fixtures/firehose/prefix_cases.json), every one, through the record pipeline.</summary>
public sealed class GoldenPrefixTests
{
    private static readonly JsonArray Cases = (JsonArray)JsonNode.Parse(File.ReadAllText(Repo.Fixture("firehose", "prefix_cases.json")))!["cases"]!;

    public static TheoryData<string> Names() => [.. Cases.Select(c => c!["name"]!.GetValue<string>())];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Golden_case(string name)
    {
        var c = Cases.Single(x => x!["name"]!.GetValue<string>() == name)!;
        var prefix = c["prefix"]?.GetValue<string>();
        var errorPrefix = c["error_prefix"]?.GetValue<string>();
        var dp = c["enable_dynamic_partitioning"]?.GetValue<bool>() ?? prefix?.Contains("partitionKeyFrom", StringComparison.Ordinal) == true;
        // the AWS-doc jq example names no error prefix; with dynamic partitioning one is required
        if (dp && errorPrefix is null) errorPrefix = "errors/!{firehose:error-output-type}/";

        if (c["expect_error"]?.GetValue<string>() is { } expectedError)
        {
            var e = Assert.Throws<DativoException>(() => StreamPrefixes.Create("s", prefix, errorPrefix, dp));
            Assert.Contains(expectedError, e.Message, StringComparison.Ordinal);
            return;
        }

        var at = c["at_utc"] is { } atText ? DateTimeOffset.Parse(atText.GetValue<string>()) : Start;
        var settings = Settings("/unused", s => s with
        {
            Prefix = prefix,
            ErrorPrefix = errorPrefix,
            EnableDynamicPartitioning = dp,
            JqMetadataQuery = c["jq_metadata_query"]?.GetValue<string>(),
        });
        var processor = Processor(settings);
        var record = c["record"]?.ToJsonString() ?? "{}";
        var routed = Assert.Single(await processor.ProcessAsync([Entry(7, at, record)], default));
        Assert.False(routed.IsError, System.Text.Encoding.UTF8.GetString(routed.Data.Span));
        var evaluated = PrefixTemplate.FillRandom(routed.BufferKey, new Random(1));
        if (c["expect_prefix"]?.GetValue<string>() is { } expected) Assert.Equal(expected, evaluated);
        if (c["expect_prefix_regex"]?.GetValue<string>() is { } regex) Assert.Matches(new Regex(regex), evaluated);

        var prefixes = StreamPrefixes.Create("s", prefix, errorPrefix, dp);
        if (c["expect_error_prefix"]?.GetValue<string>() is { } expectedError2)
            Assert.Equal(expectedError2, prefixes.ErrorPrefix.Evaluate(at, null, null, c["error_type"]!.GetValue<string>()));

        if (c["missing_key_record"] is { } missing)
        {
            var failed = Assert.Single(await processor.ProcessAsync([Entry(8, at, missing.ToJsonString())], default));
            Assert.True(failed.IsError);
            Assert.Equal("errors/year=2019/month=08/day=09/hour=20/processing-failed/", failed.BufferKey);
            var line = JsonNode.Parse(failed.Data.Span)!;
            Assert.Equal("DynamicPartitioning.MetadataExtractionFailed", line["errorCode"]!.GetValue<string>());
            Assert.Equal(missing.ToJsonString(), System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(line["rawData"]!.GetValue<string>())));
        }
    }

    /// <summary>
    /// <c>stream check</c> (the configuration) and the runtime apply one rule for Firehose's defaults: with dynamic
    /// partitioning the configuration used to append the hourly folders the runtime (rightly) does not.
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void The_configuration_and_the_runtime_evaluate_the_same_prefixes(string name)
    {
        var c = Cases.Single(x => x!["name"]!.GetValue<string>() == name)!;
        if (c["expect_error"] is not null) return;
        var prefix = c["prefix"]?.GetValue<string>();
        var errorPrefix = c["error_prefix"]?.GetValue<string>();
        var dp = c["enable_dynamic_partitioning"]?.GetValue<bool>() ?? prefix?.Contains("partitionKeyFrom", StringComparison.Ordinal) == true;
        if (dp && errorPrefix is null) errorPrefix = "errors/!{firehose:error-output-type}/";
        static string Quoted(string text) => System.Text.Json.JsonSerializer.Serialize(text); // a YAML double-quoted scalar
        var yaml = new System.Text.StringBuilder($"streams:\n  - name: s\n    enable_dynamic_partitioning: {(dp ? "true" : "false")}\n    dynamic_partitioning_config:\n");
        if (dp && c["jq_metadata_query"]?.GetValue<string>() is { } jq) yaml.Append($"      jq_metadata_query: {Quoted(jq)}\n");
        if (prefix is not null) yaml.Append($"      s3_dynamic_prefix: {Quoted(prefix)}\n");
        if (errorPrefix is not null) yaml.Append($"      s3_error_prefix: {Quoted(errorPrefix)}\n");
        yaml.Append("    destination:\n      local: {path: out}\n");
        using var file = new Config.StreamFile();
        var configured = Assert.Single(file.Load(yaml.ToString()).Streams);

        var runtime = StreamPrefixes.Create("s", prefix, errorPrefix, dp);
        Assert.Equal((runtime.Prefix.Text, runtime.ErrorPrefix.Text), configured.EffectivePrefixes);
    }

    [Fact]
    public void Random_strings_are_eleven_characters_new_per_occurrence()
    {
        var t = PrefixTemplate.Parse("a=!{firehose:random-string}/b=!{firehose:random-string}/");
        var evaluated = PrefixTemplate.FillRandom(t.Evaluate(Start, null, null, null), new Random(3));
        var m = Regex.Match(evaluated, "^a=([A-Za-z0-9]{11})/b=([A-Za-z0-9]{11})/$");
        Assert.True(m.Success, evaluated);
        Assert.NotEqual(m.Groups[1].Value, m.Groups[2].Value);
    }

    [Theory]
    [InlineData("x/!{partitionKeyFromQuery:k}/", "errors/!{firehose:error-output-type}/", false, "enable_dynamic_partitioning")]
    [InlineData("x/!{timestamp:yyyy}/", "errors/", false, "must contain !{firehose:error-output-type}")]
    [InlineData("x/!{firehose:error-output-type}/", "errors/!{firehose:error-output-type}/", false, "only allowed in s3_error_prefix")]
    [InlineData("x/!{partitionKeyFromQuery:k}/", null, true, "both")]
    [InlineData("x/!{timestamp:yyyy}", "e/!{firehose:error-output-type}/!{partitionKeyFromQuery:k}", true, "cannot use partition keys")]
    [InlineData("x/!{timestamp:yyyy", "e/!{firehose:error-output-type}", false, "not closed")]
    [InlineData("x/!{timestamp:yyyy-QQ}/", "e/!{firehose:error-output-type}", false, "'Q'")]
    [InlineData("x/!{nope:1}/", "e/!{firehose:error-output-type}", false, "unknown namespace")]
    public void Invalid_prefixes_are_refused_with_the_key_to_fix(string prefix, string? errorPrefix, bool dp, string expected)
    {
        var e = Assert.Throws<DativoException>(() => StreamPrefixes.Create("s", prefix, errorPrefix, dp));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
