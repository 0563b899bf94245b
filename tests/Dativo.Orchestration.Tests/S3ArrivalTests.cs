using Dativo.Lake.Storage;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Scheduling;
using Dativo.Testing.Services;
using Microsoft.Extensions.Time.Testing;

namespace Dativo.Orchestration.Tests;

/// <summary>The object-arrival trigger polling a real S3-compatible server (s3rver on 127.0.0.1) through the AWS SDK.</summary>
public sealed class S3ArrivalTests(S3BucketFixture s3) : IClassFixture<S3BucketFixture>
{
    [SkippableFact]
    public async Task Objects_of_one_date_under_an_s3_prefix_start_one_run()
    {
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        var options = new ObjectStoreOptions { Endpoint = s3.Endpoint, AccessKeyId = s3.AccessKey, SecretAccessKey = s3.SecretKey, Region = "us-east-1" };
        var location = $"s3://{s3.Bucket}/landing";
        var store = ObjectStores.Open(location, options);
        var clock = new FakeTimeProvider(new DateTimeOffset(2021, 4, 2, 1, 0, 0, TimeSpan.Zero));
        using var h = new EngineHarness(clock);
        var p = h.Load($$"""
            name: cyi
            triggers:
              - object_arrival: {location: "{{location}}", prefix: "cyi/{date:yyyy-MM-dd}/", settle: 2m}
            tasks:
              - {name: t, type: command, command: ["true"]}
            """);
        var w = new ArrivalWatcher(h.State, clock, p, p.Definition.Triggers[0].ObjectArrival!, loc => ObjectStores.Open(loc, options));

        await store.PutBytesAsync("cyi/2021-04-01/part-1.json.gz", new byte[] { 1, 2, 3 });
        await store.PutBytesAsync("cyi/2021-04-01/part-2.json.gz", new byte[] { 4 });
        await store.PutBytesAsync("other/2021-04-01/x.json", new byte[] { 5 });
        Assert.Empty(await w.PollAsync(default));
        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal([new RunRequest("arrival-2021-04-01", "2021-04-01", "2021-04-01")], await w.PollAsync(default));
        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Empty(await w.PollAsync(default));

        await store.PutBytesAsync("cyi/2021-04-01/late.json.gz", new byte[] { 6 });
        Assert.Empty(await w.PollAsync(default));
        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal([new RunRequest("arrival-2021-04-01-r2", "2021-04-01", "2021-04-01")], await w.PollAsync(default));
    }
}
