namespace Dativo.Streaming.Sources.Kinesis;

/// <summary>Where a shard without a checkpoint starts reading.</summary>
public enum KinesisStartingPosition
{
    TrimHorizon,

    /// <summary>Records that arrive from the consumer's first start on (the time is kept with the checkpoints, so a
    /// restart before the first record does not skip what arrived meanwhile).</summary>
    Latest,

    AtTimestamp,
}

/// <summary>A delivery stream's Kinesis source (<c>source: {kinesis: …}</c>).</summary>
public sealed record KinesisSourceSettings
{
    /// <summary>The stream's name (taken from the ARN when the stream was given by ARN).</summary>
    public required string StreamName { get; init; }

    /// <summary>Sent instead of the name when configured (cross-account access).</summary>
    public string? StreamArn { get; init; }

    public Uri? Endpoint { get; init; }

    public string? Region { get; init; }

    public KinesisStartingPosition StartingPosition { get; init; } = KinesisStartingPosition.TrimHorizon;

    public DateTimeOffset? StartingTimestamp { get; init; }

    /// <summary>Fixed credentials; the AWS credential chain when null.</summary>
    public string? AccessKeyId { get; init; }

    public string? SecretAccessKey { get; init; }

    /// <summary>Records per GetRecords call (Kinesis allows up to 10,000).</summary>
    public int MaxRecordsPerCall { get; init; } = 10_000;

    /// <summary>The least time between two GetRecords of one shard: Kinesis serves 5 reads per second per shard.</summary>
    public TimeSpan MinReadInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Wait after a call that found nothing new.</summary>
    public TimeSpan IdlePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the shards are listed again (new shards after resharding, leases other instances let go).</summary>
    public TimeSpan ShardListInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a shard stays with this instance without a renewal; renewed at each checkpoint and at a third of it.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Identity of the checkpoints: the ARN when configured, else the name.</summary>
    public string StreamIdentity => StreamArn ?? StreamName;
}
