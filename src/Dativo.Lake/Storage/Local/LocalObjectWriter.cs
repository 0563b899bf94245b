namespace Dativo.Lake.Storage.Local;

/// <summary>Writes into a temp file next to the target; <see cref="CommitAsync"/> fsyncs and renames it into place.</summary>
internal sealed class LocalObjectWriter(FileStream file, string tempPath, string targetPath) : IObjectWriter
{
    private bool _committed;
    private bool _disposed;

    public Stream Stream { get; } = new NonClosingStream(file);

    public async Task CommitAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) return;
        await file.FlushAsync(ct);
        file.Flush(flushToDisk: true);
        await file.DisposeAsync();
        LocalObjectStore.Publish(tempPath, targetPath, overwrite: true);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await file.DisposeAsync();
        if (!_committed) LocalObjectStore.TryDelete(tempPath);
    }
}
