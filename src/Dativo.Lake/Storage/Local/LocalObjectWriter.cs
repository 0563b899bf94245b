namespace Dativo.Lake.Storage.Local;

/// <summary>Writes into a temp file next to the target; <see cref="CommitAsync"/> fsyncs and renames it into place.</summary>
internal sealed class LocalObjectWriter(FileStream file, string tempPath, string targetPath) : IObjectWriter
{
    private bool _committed;
    private bool _disposed;

    public Stream Stream { get; } = new LocalWriteStream(file, targetPath);

    public async Task CommitAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) return;
        try
        {
            await file.FlushAsync(ct);
            file.Flush(flushToDisk: true);
            await file.DisposeAsync();
        }
        catch (Exception e) when (LocalWriteErrors.IsWriteFailure(e))
        {
            await DisposeAsync();
            throw LocalWriteErrors.Translate(e, targetPath);
        }
        LocalObjectStore.Publish(tempPath, targetPath, overwrite: true);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            // closing flushes what is buffered, which fails again on a full disk: the temp file goes either way
            await file.DisposeAsync();
        }
        catch (Exception e) when (_committed is false && LocalWriteErrors.IsWriteFailure(e))
        {
        }
        finally
        {
            if (!_committed) LocalObjectStore.TryDelete(tempPath);
        }
    }
}
