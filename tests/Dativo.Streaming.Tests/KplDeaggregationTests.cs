using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Streaming.Durability;
using Dativo.Streaming.Processing;
using Dativo.Streaming.Runtime;
using Dativo.Streaming.Sources.Kinesis;
using Dativo.Testing;
using Dativo.Testing.Services;
using static Dativo.Streaming.Tests.KplEncoder;
using static Dativo.Streaming.Tests.StreamTestKit;

namespace Dativo.Streaming.Tests;

/// <summary>KPL-aggregated Kinesis records through the record pipeline: split into user records, or whole to the error prefix.</summary>
public sealed class KplDeaggregationTests
{
    private static readonly long At = Start.ToUnixTimeMilliseconds();

    private static StreamSettings FromKinesis(Func<StreamSettings, StreamSettings>? change = null) => DynamicPartitioning("/unused", s =>
    {
        s = s with { KinesisSource = new KinesisSourceSettings { StreamName = "clicks-in" } };
        return change is null ? s : change(s);
    });

    private static WalEntry Entry(long seq, byte[] data) => new(seq, At, data);

    private static string Text(ProcessedRecord r) => Encoding.UTF8.GetString(r.Data.Span);

    private static JsonObject ErrorLine(ProcessedRecord r) => JsonNode.Parse(r.Data.Span)!.AsObject();

    [Fact]
    public async Task User_records_of_an_aggregate_become_records_numbered_as_sub_records_of_their_kinesis_record()
    {
        var aggregate = Aggregate(
            new User("pk-1", """{"k":"a","n":1}"""),
            new User("pk-2", """{"k":"b","n":2}""", ExplicitHashKey: "170141183460469231731687303715884105728", WithTag: true),
            new User("pk-1", """{"k":"a","n":3}"""));
        var entries = new[] { StreamTestKit.Entry(7, Start, """{"k":"c","n":0}"""), Entry(8, aggregate) };

        var output = await Processor(FromKinesis()).ProcessAsync(entries, default);

        Assert.Equal(["""{"k":"c","n":0}""", """{"k":"a","n":1}""", """{"k":"b","n":2}""", """{"k":"a","n":3}"""], output.Select(Text));
        Assert.Equal(["data/k=c/", "data/k=a/", "data/k=b/", "data/k=a/"], output.Select(r => r.BufferKey));
        Assert.Equal([7L << 20, 8L << 20, (8L << 20) + 1, (8L << 20) + 2], output.Select(r => r.Ordinal));
        Assert.All(output, r => Assert.Equal(At, r.ArrivalMs));
        Assert.All(output, r => Assert.False(r.IsError));

        // the log replays the same entries after a restart: every user record gets the ordinal it had (the delivery
        // log skips what landed by ordinal, so a changed numbering would deliver twice or lose records)
        var replayed = await Processor(FromKinesis()).ProcessAsync(entries, default);
        Assert.Equal(output.Select(r => (r.Ordinal, Text(r))), replayed.Select(r => (r.Ordinal, Text(r))));
    }

    public static TheoryData<string> Broken => ["bad digest", "cut-off field", "partition key index out of range", "hash key index out of range", "no data", "group wire type", "shorter than magic and digest"];

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task An_aggregate_that_cannot_be_read_goes_whole_to_the_error_prefix(string how)
    {
        var good = Protobuf([new User("pk", """{"k":"a"}"""), new User("pk", """{"k":"b"}""")]);
        byte[] record = how switch
        {
            "bad digest" => Tampered(Frame(good)),
            "cut-off field" => Frame(good[..^3]),
            "partition key index out of range" => Frame(RecordOnly(1, 5, 3, """{"k":"a"}""")),
            "hash key index out of range" => Frame([.. good, .. RecordOnlyWithHashKey(0, 2)]),
            "no data" => Frame(RecordOnly(1, 0, 9, "")),
            "group wire type" => Frame([.. good, 0x1B]), // field 3, wire type 3 (start group)
            _ => [.. Magic, 1, 2, 3],
        };

        var output = await Processor(FromKinesis()).ProcessAsync([Entry(4, record), StreamTestKit.Entry(5, Start, """{"k":"z"}""")], default);

        Assert.Equal(2, output.Count);
        var error = output.Single(r => r.IsError);
        Assert.Equal("errors/processing-failed/", error.BufferKey);
        Assert.Equal(4L << 20, error.Ordinal);
        var line = ErrorLine(error);
        Assert.Equal("DeAggregation.Failed", (string)line["errorCode"]!);
        Assert.StartsWith("KPL-aggregated record", (string)line["errorMessage"]!, StringComparison.Ordinal);
        Assert.Equal(record, Convert.FromBase64String((string)line["rawData"]!)); // the whole Kinesis record, to recover it
        Assert.Equal("""{"k":"z"}""", Text(output.Single(r => !r.IsError))); // the records after it are unaffected
    }

    [Fact]
    public async Task Json_deaggregation_splits_each_user_record_and_numbers_on_across_them()
    {
        var aggregate = Aggregate(new User("p", """{"k":"a"}{"k":"b"}"""), new User("p", """{"k":"""), new User("p", """{"k":"c"} {"k":"d"}"""));
        var settings = FromKinesis(s => s with { Deaggregation = new DeaggregationSettings(DeaggregationType.Json) });

        var output = await Processor(settings).ProcessAsync([Entry(2, aggregate)], default);

        var good = output.Where(r => !r.IsError).ToList();
        Assert.Equal(["""{"k":"a"}""", """{"k":"b"}""", """{"k":"c"}""", """{"k":"d"}"""], good.Select(Text));
        Assert.Equal([2L << 20, (2L << 20) + 1, (2L << 20) + 3, (2L << 20) + 4], good.Select(r => r.Ordinal));
        var error = Assert.Single(output, r => r.IsError);
        Assert.Equal((2L << 20) + 2, error.Ordinal); // only the user record that does not split, with its own number
        Assert.Equal("""{"k":""", Encoding.UTF8.GetString(Convert.FromBase64String((string)ErrorLine(error)["rawData"]!)));
    }

    [Fact]
    public async Task A_direct_put_stream_keeps_a_record_that_looks_aggregated_as_it_is()
    {
        var aggregate = Aggregate(new User("p", """{"k":"a"}"""), new User("p", """{"k":"b"}"""));

        var output = await Processor(Settings("/unused")).ProcessAsync([Entry(1, aggregate)], default);

        Assert.Equal(aggregate, Assert.Single(output).Data.ToArray());
    }

    [SkippableFact]
    public void The_test_encoder_and_aws_kinesis_agg_build_the_same_bytes()
    {
        var node = ServiceProcesses.OnPath("node");
        Skip.If(node is null, "node is not on PATH");
        Skip.IfNot(File.Exists(Repo.Path_("tests", "services", "node_modules", "aws-kinesis-agg", "package.json")),
            "tests/services/node_modules/aws-kinesis-agg is missing: run `npm install` in tests/services");
        User[] users = [new("pk-1", """{"k":"a"}"""), new("pk-2", "é\n", ExplicitHashKey: "12345"), new("pk-1", """{"k":"b"}""")];
        var plan = JsonSerializer.Serialize(new { mode = "aggregate", records = users.Select(u => new { key = u.Key, data = u.Data, explicitHashKey = u.ExplicitHashKey }) });
        var psi = new ProcessStartInfo(node!) { WorkingDirectory = Repo.Path_("tests", "services"), RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Repo.Path_("tests", "services", "kinesis-client.js"));
        psi.ArgumentList.Add(plan);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stderr.Result);

        var theirs = Convert.FromBase64String(stdout.Trim());
        Assert.Equal(Aggregate(users), theirs);
        Assert.Equal(users.Select(u => u.Data), KplAggregate.Split(theirs).Select(d => Encoding.UTF8.GetString(d.Span)));
    }

    private static byte[] Tampered(byte[] record)
    {
        record[^1] ^= 0xFF;
        return record;
    }

    /// <summary>A message of one partition key and one record {partition_key_index, field <paramref name="dataField"/>: data}.</summary>
    private static byte[] RecordOnly(int keys, ulong index, int dataField, string data)
    {
        var message = new List<byte>();
        for (var i = 0; i < keys; i++) Field(message, 1, "pk"u8.ToArray());
        var record = new List<byte>();
        Varint(record, 1 << 3);
        Varint(record, index);
        Field(record, dataField, Encoding.UTF8.GetBytes(data));
        Field(message, 3, [.. record]);
        return [.. message];
    }

    /// <summary>A record naming explicit hash key <paramref name="hashIndex"/> where the table is empty.</summary>
    private static byte[] RecordOnlyWithHashKey(ulong keyIndex, ulong hashIndex)
    {
        var record = new List<byte>();
        Varint(record, 1 << 3);
        Varint(record, keyIndex);
        Varint(record, 2 << 3);
        Varint(record, hashIndex);
        Field(record, 3, """{"k":"x"}"""u8.ToArray());
        var message = new List<byte>();
        Field(message, 3, [.. record]);
        return [.. message];
    }
}
