namespace Dativo.Lake.Storage.S3;

/// <summary>Streams into an <see cref="S3Upload"/>; the object exists only after <see cref="CommitAsync"/>.</summary>
internal sealed class S3ObjectWriter(S3Upload upload) : IObjectWriter
{
    public Stream Stream { get; } = new NonClosingStream(upload);

    public Task CommitAsync(CancellationToken ct = default) => upload.Completed ? Task.CompletedTask : upload.CompleteAsync(ct);

    public async ValueTask DisposeAsync() => await upload.DisposeAsync();
}
