using System.Buffers;
using System.Runtime.InteropServices;

namespace Dativo.Streaming.Buffering;

/// <summary>
/// A block of memory for buffered records outside the GC heap. A stream holds up to its buffering size per active
/// partition (64 MiB × 100 partitions in the bench): as 1 MiB arrays that was a large-object allocation per MiB
/// ingested, and every few hundred MiB a blocking gen-2 collection that stalled every put (the p99 acknowledgement
/// latency). The only native memory of this assembly; a span asked for after <see cref="Free"/> throws instead of
/// reading freed memory.
/// </summary>
internal sealed unsafe class NativeChunk : MemoryManager<byte>
{
    private byte* _pointer;

    public NativeChunk(int length)
    {
        Length = length;
        _pointer = (byte*)NativeMemory.Alloc((nuint)length);
    }

    public int Length { get; }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new Span<byte>(_pointer, Length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    public void Free() => ((IDisposable)this).Dispose();

    protected override void Dispose(bool disposing)
    {
        if (_pointer is null) return;
        NativeMemory.Free(_pointer);
        _pointer = null;
    }
}

/// <summary>
/// Reuses the chunks of delivered buffers (per size, up to <see cref="RetainedBytesLimit"/> in all), so a stream in a
/// steady state of fill → deliver allocates nothing for its buffers.
/// </summary>
internal static class ChunkPool
{
    public const long RetainedBytesLimit = 256L << 20;

    private static readonly Dictionary<int, Stack<NativeChunk>> Idle = [];
    private static readonly Lock Gate = new();
    private static long s_retainedBytes;

    public static NativeChunk Rent(int length)
    {
        lock (Gate)
        {
            if (Idle.TryGetValue(length, out var stack) && stack.TryPop(out var chunk))
            {
                s_retainedBytes -= length;
                return chunk;
            }
        }
        return new NativeChunk(length);
    }

    public static void Return(NativeChunk chunk)
    {
        lock (Gate)
        {
            if (s_retainedBytes + chunk.Length <= RetainedBytesLimit)
            {
                if (!Idle.TryGetValue(chunk.Length, out var stack)) Idle[chunk.Length] = stack = new Stack<NativeChunk>();
                stack.Push(chunk);
                s_retainedBytes += chunk.Length;
                return;
            }
        }
        chunk.Free();
    }
}
