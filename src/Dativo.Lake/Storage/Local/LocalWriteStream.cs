namespace Dativo.Lake.Storage.Local;

/// <summary>
/// The write-only stream of a <see cref="LocalObjectWriter"/>: forwards to the temp file, ignores Dispose (writers close
/// the stream they were handed before the object is committed), and reports a failing write (a full disk) as a
/// <see cref="StorageWriteException"/> naming the object's path.
/// </summary>
internal sealed class LocalWriteStream(FileStream file, string targetPath) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => file.Length;

    public override long Position
    {
        get => file.Position;
        set => throw new NotSupportedException();
    }

    public override void Flush() => Guard(file.Flush);

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try { await file.FlushAsync(cancellationToken); }
        catch (Exception e) when (LocalWriteErrors.IsWriteFailure(e)) { throw LocalWriteErrors.Translate(e, targetPath); }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try { file.Write(buffer); }
        catch (Exception e) when (LocalWriteErrors.IsWriteFailure(e)) { throw LocalWriteErrors.Translate(e, targetPath); }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try { await file.WriteAsync(buffer, cancellationToken); }
        catch (Exception e) when (LocalWriteErrors.IsWriteFailure(e)) { throw LocalWriteErrors.Translate(e, targetPath); }
    }

    public override void WriteByte(byte value) => Guard(() => file.WriteByte(value));

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Guard(Action write)
    {
        try { write(); }
        catch (Exception e) when (LocalWriteErrors.IsWriteFailure(e)) { throw LocalWriteErrors.Translate(e, targetPath); }
    }

    // Dispose/DisposeAsync are inherited: Stream's base implementation does not touch the file.
}
