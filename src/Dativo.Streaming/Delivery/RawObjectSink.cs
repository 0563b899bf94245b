using Dativo.Streaming.Buffering;

namespace Dativo.Streaming.Delivery;

/// <summary>The records as they are (JSON lines of error records too), one object per buffer, compressed per stream.</summary>
internal sealed class RawObjectSink(ObjectDelivery objects) : IBufferSink
{
    public Task OpenAsync(CancellationToken ct) => Task.CompletedTask;

    // an object's name derives from its first record, so a replay overwrites it: nothing to skip
    public bool AlreadyDelivered(string? partition, long ordinal) => false;

    public Task<(string Key, long Bytes)> DeliverAsync(PartitionBuffer buffer, CancellationToken ct) => objects.DeliverAsync(buffer, ct);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
