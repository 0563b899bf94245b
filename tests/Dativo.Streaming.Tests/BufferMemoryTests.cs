using System.Text;
using Dativo.Streaming.Buffering;
using Dativo.Streaming.Processing;

namespace Dativo.Streaming.Tests;

public sealed class BufferMemoryTests
{
    [Fact]
    public void Records_spanning_native_chunks_read_back_byte_for_byte()
    {
        // sizes around the chunk sizes (16 KiB doubling to 1 MiB) so records cross every boundary
        var random = new Random(7);
        var records = Enumerable.Range(0, 400).Select(i => Encoding.UTF8.GetBytes(new string((char)('a' + i % 26), random.Next(0, 40_000)))).ToList();
        var buffer = new PartitionBuffer("p/", false, Record(0, records[0]));
        for (var i = 0; i < records.Count; i++) buffer.Add(Record(i, records[i]));

        var expected = records.Select(r => Encoding.UTF8.GetString(r) + "\n").ToList();
        Assert.Equal(expected, buffer.Records().Select(r => Encoding.UTF8.GetString(r.Span)));
        Assert.Equal(string.Concat(expected), string.Concat(buffer.Chunks.Select(c => Encoding.UTF8.GetString(c.Span))));
        buffer.Release();
        Assert.Empty(buffer.Chunks);
    }

    [Fact]
    public void A_released_chunk_is_reused_and_a_freed_one_is_never_read()
    {
        var chunk = ChunkPool.Rent(12_345);
        ChunkPool.Return(chunk);
        Assert.Same(chunk, ChunkPool.Rent(12_345));

        chunk.Free();
        Assert.Throws<ObjectDisposedException>(() => chunk.Memory.Span.Length);
    }

    private static ProcessedRecord Record(int i, byte[] data) => new(i, 0, "p/", false, data, "p/", Newline: true);
}
