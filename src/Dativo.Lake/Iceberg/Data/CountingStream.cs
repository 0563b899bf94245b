using System.Buffers;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>
/// Forward-only write stream that counts the bytes written (parquet-cpp asks for the position) and keeps them in
/// pooled chunks until <see cref="DrainAsync"/> passes them on: parquet-cpp writes through synchronous callbacks,
/// while object stores (S3 multipart) upload asynchronously and their errors should surface as themselves.
/// </summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    private const int ChunkSize = 1 << 20;
    private readonly List<byte[]> _chunks = [];
    private int _used = ChunkSize;
    private long _position;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _position;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Writes everything held so far to the inner stream.</summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        for (var i = 0; i < _chunks.Count; i++)
            await inner.WriteAsync(_chunks[i].AsMemory(0, i == _chunks.Count - 1 ? _used : ChunkSize), ct);
        Discard();
    }

    /// <summary>Drops what was not drained (the file is being abandoned).</summary>
    public void Discard()
    {
        foreach (var c in _chunks) ArrayPool<byte>.Shared.Return(c);
        _chunks.Clear();
        _used = ChunkSize;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _position += buffer.Length;
        while (!buffer.IsEmpty)
        {
            if (_used == ChunkSize)
            {
                _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                _used = 0;
            }
            var n = Math.Min(buffer.Length, ChunkSize - _used);
            buffer[..n].CopyTo(_chunks[^1].AsSpan(_used));
            _used += n;
            buffer = buffer[n..];
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
        // held until DrainAsync
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
