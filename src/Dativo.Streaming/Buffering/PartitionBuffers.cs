using Dativo.Streaming.Processing;

namespace Dativo.Streaming.Buffering;

/// <summary>
/// One buffer per evaluated prefix. A buffer is taken for delivery when its size reaches the buffering size, or when its
/// oldest record is as old as the buffering interval (wall-clock age from the clock, so an idle partition is delivered
/// too). At most <c>max_active_partitions</c> non-error buffers exist at once.
/// </summary>
internal sealed class PartitionBuffers(long sizeBytes, TimeSpan interval, int maxActivePartitions)
{
    private readonly Dictionary<string, PartitionBuffer> _buffers = new(StringComparer.Ordinal);
    private int _active;
    private long _bytes;

    public int ActivePartitions => _active;

    /// <summary>Bytes held in every buffer.</summary>
    public long Bytes => _bytes;

    public int Count => _buffers.Count;

    /// <summary>False when <paramref name="r"/> would open a partition beyond the limit.</summary>
    public bool CanTake(ProcessedRecord r) => r.IsError || _active < maxActivePartitions || _buffers.ContainsKey(r.BufferKey);

    /// <summary>Adds the record; returns its buffer when that is now full (and no longer held here).</summary>
    public PartitionBuffer? Add(ProcessedRecord r)
    {
        if (!_buffers.TryGetValue(r.BufferKey, out var b))
        {
            _buffers[r.BufferKey] = b = new PartitionBuffer(r.BufferKey, r.IsError, r);
            if (!r.IsError) _active++;
        }
        var before = b.Bytes;
        b.Add(r);
        _bytes += b.Bytes - before;
        if (b.Bytes < sizeBytes) return null;
        Remove(b);
        return b;
    }

    /// <summary>Takes the buffers whose oldest record arrived at least the interval before <paramref name="now"/>.</summary>
    public List<PartitionBuffer> TakeDue(DateTimeOffset now)
    {
        var cutoff = (now - interval).ToUnixTimeMilliseconds();
        var due = _buffers.Values.Where(b => b.OldestArrivalMs <= cutoff).OrderBy(b => b.FirstOrdinal).ToList();
        foreach (var b in due) Remove(b);
        return due;
    }

    public List<PartitionBuffer> TakeAll()
    {
        var all = _buffers.Values.OrderBy(b => b.FirstOrdinal).ToList();
        _buffers.Clear();
        _active = 0;
        _bytes = 0;
        return all;
    }

    /// <summary>The smallest ordinal still held, or null when empty.</summary>
    public long? OldestOrdinal => _buffers.Count == 0 ? null : _buffers.Values.Min(b => b.FirstOrdinal);

    /// <summary>Arrival of the oldest record still held, or null when empty.</summary>
    public long? OldestArrivalMs => _buffers.Count == 0 ? null : _buffers.Values.Min(b => b.OldestArrivalMs);

    private void Remove(PartitionBuffer b)
    {
        _buffers.Remove(b.Key);
        _bytes -= b.Bytes;
        if (!b.IsError) _active--;
    }
}
