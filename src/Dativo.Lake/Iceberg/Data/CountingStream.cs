namespace Dativo.Lake.Iceberg.Data;

/// <summary>Forward-only write stream that reports how many bytes went through (Parquet.Net reads Position).</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    private long _position;
    private MemoryStream? _capture;

    /// <summary>From now on writes are kept in memory (see <see cref="EndCapture"/>) instead of passed on.</summary>
    public void BeginCapture() => _capture = new MemoryStream();

    /// <summary>Returns the captured bytes; they have not reached the inner stream.</summary>
    public byte[] EndCapture()
    {
        var bytes = _capture?.ToArray() ?? [];
        _position -= bytes.Length;
        _capture = null;
        return bytes;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _position;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
        if (_capture is null) inner.Flush();
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _capture is null ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (_capture is not null) _capture.Write(buffer, offset, count);
        else inner.Write(buffer, offset, count);
        _position += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_capture is not null) _capture.Write(buffer);
        else inner.Write(buffer);
        _position += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_capture is not null) _capture.Write(buffer.Span);
        else await inner.WriteAsync(buffer, cancellationToken);
        _position += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
