using System.Text.Json.Nodes;
using Dativo.Aws;

namespace Dativo.Streaming.Sources.Kinesis;

internal sealed record KinesisShard(string ShardId, string? ParentShardId, string? AdjacentParentShardId)
{
    public IEnumerable<string> Parents => new[] { ParentShardId, AdjacentParentShardId }.OfType<string>();
}

/// <param name="ArrivalMs">ApproximateArrivalTimestamp (Unix ms), null when the service did not send it</param>
internal sealed record KinesisRecord(string SequenceNumber, byte[] Data, long? ArrivalMs);

/// <param name="NextShardIterator">null once the shard is closed and read to its end</param>
internal sealed record KinesisBatch(IReadOnlyList<KinesisRecord> Records, string? NextShardIterator, long MillisBehindLatest);

/// <summary>The three Kinesis read calls the consumer makes, over the signed JSON client (<c>Kinesis_20131202.*</c>).</summary>
internal sealed class KinesisApi(AwsJsonClient client, KinesisSourceSettings settings)
{
    public string Region => client.Region;

    public Uri Endpoint => client.Endpoint;

    /// <summary>Every shard of the stream (open and closed ones still within retention), following NextToken.</summary>
    public async Task<IReadOnlyList<KinesisShard>> ListShardsAsync(CancellationToken ct)
    {
        var shards = new List<KinesisShard>();
        string? next = null;
        do
        {
            // NextToken identifies the stream by itself: Kinesis refuses it together with the stream's name
            var request = next is null ? Stream([]) : new JsonObject { ["NextToken"] = next };
            var answer = await client.CallAsync("ListShards", request, ct).ConfigureAwait(false);
            foreach (var s in answer["Shards"]?.AsArray() ?? [])
                shards.Add(new KinesisShard((string)s!["ShardId"]!, (string?)s["ParentShardId"], (string?)s["AdjacentParentShardId"]));
            next = (string?)answer["NextToken"];
        }
        while (next is not null);
        return shards;
    }

    /// <summary>An iterator after <paramref name="afterSequenceNumber"/>, else at <paramref name="at"/>, else at the trim horizon.</summary>
    public async Task<string> GetShardIteratorAsync(string shardId, string? afterSequenceNumber, DateTimeOffset? at, CancellationToken ct)
    {
        var request = Stream(new JsonObject { ["ShardId"] = shardId });
        if (afterSequenceNumber is not null)
        {
            request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER";
            request["StartingSequenceNumber"] = afterSequenceNumber;
        }
        else if (at is { } t)
        {
            request["ShardIteratorType"] = "AT_TIMESTAMP";
            request["Timestamp"] = t.ToUnixTimeMilliseconds() / 1000m;
        }
        else request["ShardIteratorType"] = "TRIM_HORIZON";
        var answer = await client.CallAsync("GetShardIterator", request, ct).ConfigureAwait(false);
        return (string?)answer["ShardIterator"] ?? throw new AwsException($"Kinesis GetShardIterator for {shardId} of {settings.StreamIdentity} answered without a ShardIterator");
    }

    public async Task<KinesisBatch> GetRecordsAsync(string iterator, CancellationToken ct)
    {
        var request = new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = settings.MaxRecordsPerCall };
        if (settings.StreamArn is not null) request["StreamARN"] = settings.StreamArn;
        var answer = await client.CallAsync("GetRecords", request, ct).ConfigureAwait(false);
        var records = new List<KinesisRecord>();
        foreach (var r in answer["Records"]?.AsArray() ?? [])
        {
            var arrival = r!["ApproximateArrivalTimestamp"] is JsonValue v ? (long)(v.GetValue<decimal>() * 1000m) : (long?)null;
            records.Add(new KinesisRecord((string)r["SequenceNumber"]!, Convert.FromBase64String((string)r["Data"]!), arrival));
        }
        return new KinesisBatch(records, (string?)answer["NextShardIterator"], (long?)answer["MillisBehindLatest"] ?? 0);
    }

    private JsonObject Stream(JsonObject request)
    {
        if (settings.StreamArn is not null) request["StreamARN"] = settings.StreamArn;
        else request["StreamName"] = settings.StreamName;
        return request;
    }
}
