using Dativo.Streaming.Processing;

namespace Dativo.Streaming.Buffering;

/// <summary>
/// The records waiting for one evaluated prefix (one future object), copied once into pooled native chunks: no array
/// per record, nothing of the request that brought them kept alive, nothing for the GC to carry.
/// <see cref="Release"/> returns the chunks.
/// </summary>
internal sealed class PartitionBuffer(string key, bool isError, ProcessedRecord first)
{
    private const int FirstChunkBytes = 16 * 1024;
    private const int MaxChunkBytes = 1024 * 1024;

    private readonly List<NativeChunk> _chunks = [];
    private int _used; // bytes used in the last chunk
    private readonly List<int> _lengths = []; // of each record as buffered (newline included), for readers of records

    public string Key { get; } = key;

    public bool IsError { get; } = isError;

    public long FirstOrdinal { get; } = first.Ordinal;

    public long LastOrdinal { get; private set; } = first.Ordinal;

    /// <summary>Arrival of the oldest record: the object's timestamp and the start of its age.</summary>
    public long OldestArrivalMs { get; private set; } = first.ArrivalMs;

    public long Bytes { get; private set; }

    public int Count { get; private set; }

    /// <summary>For error objects: every ordinal (see <see cref="Durability.DeliveryLog"/>).</summary>
    public List<long> Ordinals { get; } = [];

    /// <summary>The object's bytes (records in the order added), as the filled parts of the chunks.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Chunks
    {
        get
        {
            for (var i = 0; i < _chunks.Count; i++)
                yield return _chunks[i].Memory[..ChunkLength(i)];
        }
    }

    /// <summary>
    /// The records one by one, as buffered (an appended newline included): slices of the chunks, or a copy for a record
    /// that spans two chunks. Valid until <see cref="Release"/>.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Records()
    {
        var records = new List<ReadOnlyMemory<byte>>(_lengths.Count);
        var chunk = 0;
        var offset = 0;
        foreach (var length in _lengths)
        {
            if (length == 0)
            {
                records.Add(ReadOnlyMemory<byte>.Empty);
                continue;
            }
            if (chunk < _chunks.Count && offset == ChunkLength(chunk)) (chunk, offset) = (chunk + 1, 0);
            if (offset + length <= ChunkLength(chunk))
            {
                records.Add(_chunks[chunk].Memory.Slice(offset, length));
                offset += length;
                continue;
            }
            var copy = new byte[length];
            var copied = 0;
            while (copied < length)
            {
                if (offset == ChunkLength(chunk)) (chunk, offset) = (chunk + 1, 0);
                var n = Math.Min(length - copied, ChunkLength(chunk) - offset);
                _chunks[chunk].GetSpan().Slice(offset, n).CopyTo(copy.AsSpan(copied));
                (copied, offset) = (copied + n, offset + n);
            }
            records.Add(copy);
        }
        return records;
    }

    private int ChunkLength(int i) => i == _chunks.Count - 1 ? _used : _chunks[i].Length;

    public void Add(ProcessedRecord r)
    {
        Append(r.Data.Span);
        if (r.Newline) Append("\n"u8);
        _lengths.Add(r.Data.Length + (r.Newline ? 1 : 0));
        Bytes += r.Length;
        Count++;
        LastOrdinal = Math.Max(LastOrdinal, r.Ordinal);
        OldestArrivalMs = Math.Min(OldestArrivalMs, r.ArrivalMs);
        if (IsError) Ordinals.Add(r.Ordinal);
    }

    /// <summary>Returns the chunks to the pool; the buffer is empty afterwards (call once its object has landed).</summary>
    public void Release()
    {
        foreach (var c in _chunks) ChunkPool.Return(c);
        _chunks.Clear();
        _lengths.Clear();
        _used = 0;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (_chunks.Count == 0 || _used == _chunks[^1].Length)
            {
                var size = _chunks.Count == 0 ? FirstChunkBytes : Math.Min(MaxChunkBytes, _chunks[^1].Length * 2);
                _chunks.Add(ChunkPool.Rent(size));
                _used = 0;
            }
            var chunk = _chunks[^1];
            var n = Math.Min(data.Length, chunk.Length - _used);
            data[..n].CopyTo(chunk.GetSpan()[_used..]);
            _used += n;
            data = data[n..];
        }
    }
}
