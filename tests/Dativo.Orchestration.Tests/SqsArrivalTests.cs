using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Scheduling;
using Dativo.Testing.Services;

namespace Dativo.Orchestration.Tests;

/// <summary>The SQS object-arrival trigger against local-aws-sqs on 127.0.0.1, through the real AWSSDK.SQS client.</summary>
public sealed class SqsArrivalTests
{
    private static SqsServer Sqs => SqsServer.Instance;

    private static Func<string, string?> Env => _ => null;

    private static string S3Event(string bucket, string key, string name = "ObjectCreated:Put") => new JsonObject
    {
        ["Records"] = new JsonArray(new JsonObject
        {
            ["eventVersion"] = "2.1", ["eventSource"] = "aws:s3", ["awsRegion"] = "us-east-1", ["eventName"] = name,
            ["s3"] = new JsonObject { ["bucket"] = new JsonObject { ["name"] = bucket }, ["object"] = new JsonObject { ["key"] = key, ["size"] = 3 } },
        }),
    }.ToJsonString();

    private static string ViaSns(string inner) => new JsonObject { ["Type"] = "Notification", ["TopicArn"] = "arn:aws:sns:us-east-1:1:t", ["Message"] = inner }.ToJsonString();

    private static async Task<(IAmazonSQS Client, string Url)> QueueAsync()
    {
        var client = SqsClients.ForQueue(Sqs.Endpoint + "/123456789012/x", Env);
        var url = (await client.CreateQueueAsync("arrivals-" + Guid.NewGuid().ToString("N")[..8])).QueueUrl;
        return (client, url);
    }

    /// <summary>Messages left in the queue, received or not.</summary>
    private static async Task<int> VisibleAsync(IAmazonSQS client, string url)
    {
        var a = await client.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = ["All"] });
        return a.ApproximateNumberOfMessages + a.ApproximateNumberOfMessagesNotVisible;
    }

    [SkippableFact]
    public async Task S3_events_start_one_run_per_date_ignoring_duplicates_test_events_and_poison()
    {
        Skip.If(Sqs.SkipReason is not null, Sqs.SkipReason);
        var (client, url) = await QueueAsync();
        using var h = new EngineHarness();
        var ran = Path.Combine(h.Dir.Path, "ran.txt");
        var p = h.Load($$$"""
            name: cyi
            triggers:
              - object_arrival: {location: "s3://landing-bucket/incoming", prefix: "cyi/{date:yyyy-MM-dd}/", queue: "{{{url}}}"}
            tasks:
              - {name: t, type: command, env: {D: "{{ export_date }}"}, command: [bash, -c, 'echo "$D" >> "{{{ran}}}"']}
            """);
        var log = new List<string>();
        var trigger = new SqsArrivalTrigger(client, h.Store, h.Time, p, p.Definition.Triggers[0].ObjectArrival!, log.Add) { WaitSeconds = 0 };

        foreach (var body in new[]
        {
            S3Event("landing-bucket", "incoming/cyi/2026-03-01/part-1.json.gz"),
            S3Event("landing-bucket", "incoming/cyi/2026-03-01/part-2.json.gz"),              // same date: the same run
            ViaSns(S3Event("landing-bucket", "incoming/cyi/2026-03-02/my+file%281%29.csv")),  // SNS-wrapped, URL-encoded key
            """{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-03-01T00:00:00Z","Bucket":"landing-bucket"}""",
            "not json at all",
            S3Event("landing-bucket", "incoming/other/2026-03-03/x.csv"),                     // outside the prefix
            S3Event("other-bucket", "incoming/cyi/2026-03-04/x.csv"),                         // another bucket
            S3Event("landing-bucket", "incoming/cyi/2026-03-05/x.csv", "ObjectRemoved:Delete"),
        })
            await client.SendMessageAsync(url, body);
        // a redelivered copy of the first event after its run finished
        var deleted = 0;
        for (var i = 0; i < 20 && deleted < 8; i++) deleted += await trigger.ProcessOnceAsync((r, ct) => h.Engine.RunAsync(p, r, ct), default);
        Assert.Equal(8, deleted);
        await client.SendMessageAsync(url, S3Event("landing-bucket", "incoming/cyi/2026-03-01/part-1.json.gz"));
        Assert.Equal(1, await trigger.ProcessOnceAsync((r, ct) => h.Engine.RunAsync(p, r, ct), default));

        Assert.Equal(["2026-03-01", "2026-03-02"], File.ReadAllLines(ran).Order(StringComparer.Ordinal));
        Assert.Equal(RunStatus.Succeeded, (await h.Store.GetRunAsync("cyi/arrival-2026-03-02", default))!.Status);
        Assert.Equal(0, await VisibleAsync(client, url));
        Assert.Contains(log, l => l.Contains("s3:TestEvent", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("deleted without a run: the body is not JSON", StringComparison.Ordinal));
        Assert.Equal(3, log.Count(l => l.Contains("deleted without a run: no created object under s3://landing-bucket/incoming/cyi/", StringComparison.Ordinal)));
        Assert.Equal(2, log.Count(l => l.Contains("cyi/arrival-2026-03-01 already succeeded; duplicate event ignored", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public async Task A_message_whose_run_was_not_recorded_comes_back_and_is_handled_then()
    {
        Skip.If(Sqs.SkipReason is not null, Sqs.SkipReason);
        var (client, url) = await QueueAsync();
        using var h = new EngineHarness();
        var p = h.Load($$"""
            name: cyi
            triggers:
              - object_arrival: {location: "s3://b", prefix: "{date:yyyyMMdd}/", queue: "{{url}}"}
            tasks:
              - {name: t, type: command, command: ["true"]}
            """);
        var trigger = new SqsArrivalTrigger(client, h.Store, h.Time, p, p.Definition.Triggers[0].ObjectArrival!, _ => { })
        {
            WaitSeconds = 1, Visibility = TimeSpan.FromSeconds(1),
        };
        await client.SendMessageAsync(url, S3Event("b", "20260301/a.csv"));

        // the state store is down: nothing is recorded, so the message must stay
        var down = await Assert.ThrowsAsync<IOException>(() => trigger.ProcessOnceAsync((_, _) => throw new IOException("state store unreachable"), default));
        Assert.Equal("state store unreachable", down.Message);
        var kept = await client.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = ["All"] });
        Assert.Equal(1, kept.ApproximateNumberOfMessagesNotVisible); // received, not deleted: it comes back after the visibility timeout

        var deleted = 0;
        for (var i = 0; i < 30 && deleted == 0; i++) deleted = await trigger.ProcessOnceAsync((r, ct) => h.Engine.RunAsync(p, r, ct), default);
        Assert.Equal(1, deleted);
        Assert.Equal(RunStatus.Succeeded, (await h.Store.GetRunAsync("cyi/arrival-2026-03-01", default))!.Status);
        Assert.Equal(0, await VisibleAsync(client, url));
    }

    [Fact]
    public void Event_bodies_are_read_as_s3_sends_them()
    {
        var e = S3EventMessages.Parse(ViaSns(S3Event("b", "a/my+file%C3%A9.csv")));
        Assert.Equal([new S3ObjectEvent("ObjectCreated:Put", "b", "a/my fileé.csv")], e.Records);
        Assert.True(S3EventMessages.Parse("""{"Event":"s3:TestEvent"}""").IsTestEvent);
        Assert.Contains("no Records", S3EventMessages.Parse("""{"foo":1}""").NotAnEvent);
        Assert.Contains("aws:s3", S3EventMessages.Parse("""{"Records":[{"eventSource":"aws:sqs"}]}""").NotAnEvent);
        Assert.Contains("not a JSON object", S3EventMessages.Parse("[1]").NotAnEvent);
    }
}
