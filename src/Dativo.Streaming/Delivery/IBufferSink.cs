using Dativo.Streaming.Buffering;

namespace Dativo.Streaming.Delivery;

/// <summary>Where a flushed buffer goes: raw objects, a Parquet object, or a commit to an Iceberg table.</summary>
internal interface IBufferSink : IAsyncDisposable
{
    /// <summary>Prepares the destination before the write-ahead log is replayed (an Iceberg table is opened or created).</summary>
    Task OpenAsync(CancellationToken ct);

    /// <summary>
    /// Whether output <paramref name="ordinal"/> of <paramref name="partition"/> is in the destination although the
    /// delivery log may not say so (a crash between a commit and its record): the replay skips it.
    /// </summary>
    bool AlreadyDelivered(string? partition, long ordinal);

    /// <summary>The object the buffer becomes, known before it is written; null for a table commit (the sink finds its own).</summary>
    string? ObjectKeyOf(PartitionBuffer buffer);

    /// <summary>Delivers the buffer; returns what names it (object key, or table and snapshot) and the bytes written.</summary>
    Task<(string Key, long Bytes)> DeliverAsync(PartitionBuffer buffer, CancellationToken ct);

    /// <summary>
    /// Delivers the buffer whose exact ordinals (runs first, last, …; see Durability.OrdinalRunBuilder) are known: a
    /// sink that finds its own deliveries on a replay keeps them (an object's name needs no more).
    /// </summary>
    Task<(string Key, long Bytes)> DeliverAsync(PartitionBuffer buffer, long[]? exactOrdinals, CancellationToken ct) => DeliverAsync(buffer, ct);
}
