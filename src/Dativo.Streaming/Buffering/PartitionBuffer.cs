using Dativo.Streaming.Processing;

namespace Dativo.Streaming.Buffering;

/// <summary>The records waiting for one evaluated prefix (one future object).</summary>
internal sealed class PartitionBuffer(string key, bool isError, ProcessedRecord first)
{
    private readonly List<ReadOnlyMemory<byte>> _chunks = [];

    public string Key { get; } = key;

    public bool IsError { get; } = isError;

    public long FirstOrdinal { get; } = first.Ordinal;

    public long LastOrdinal { get; private set; } = first.Ordinal;

    /// <summary>Arrival of the oldest record: the object's timestamp and the start of its age.</summary>
    public long OldestArrivalMs { get; private set; } = first.ArrivalMs;

    public long Bytes { get; private set; }

    public int Count => _chunks.Count;

    /// <summary>For error objects: every ordinal (see <see cref="Durability.DeliveryLog"/>).</summary>
    public List<long> Ordinals { get; } = [];

    public IReadOnlyList<ReadOnlyMemory<byte>> Chunks => _chunks;

    public void Add(ProcessedRecord r)
    {
        _chunks.Add(r.Data);
        Bytes += r.Data.Length;
        LastOrdinal = Math.Max(LastOrdinal, r.Ordinal);
        OldestArrivalMs = Math.Min(OldestArrivalMs, r.ArrivalMs);
        if (IsError) Ordinals.Add(r.Ordinal);
    }
}
