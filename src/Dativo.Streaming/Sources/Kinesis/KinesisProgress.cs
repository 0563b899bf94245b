namespace Dativo.Streaming.Sources.Kinesis;

internal enum KinesisProgressKind
{
    /// <summary>The shard's lease was taken; reading starts.</summary>
    Started,

    /// <summary>A batch is in the write-ahead log and its last sequence number checkpointed.</summary>
    Checkpointed,

    /// <summary>The shard is closed and read to its end.</summary>
    Finished,

    /// <summary>Stopped: the lease was let go, the checkpoint kept.</summary>
    Released,

    /// <summary>Another instance took the shard.</summary>
    LeaseLost,
}

/// <summary>What a shard reader did (tests and logs follow the consumer through it).</summary>
internal sealed record KinesisProgress(string ShardId, KinesisProgressKind Kind, int Records = 0, string? SequenceNumber = null);
