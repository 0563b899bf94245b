using Amazon.S3;
using Amazon.S3.Model;

namespace Dativo.Lake.Storage.S3;

/// <summary>
/// A write-only stream that becomes one S3 object on <see cref="CompleteAsync"/>: a single PUT
/// below the multipart threshold, otherwise a multipart upload whose parts are sent while the
/// caller is still writing. Any failure, or disposal before completion, aborts the upload.
/// </summary>
internal sealed class S3Upload(IAmazonS3 s3, string bucket, string key, S3Settings settings, bool ifNoneMatch) : Stream
{
    private readonly List<PartETag> _parts = [];
    private MemoryStream _buffer = new();
    private string? _uploadId;
    private long _length;
    private bool _finished;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_finished;
    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>True once the object was written.</summary>
    public bool Completed { get; private set; }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _buffer.Write(buffer.Span);
        _length += buffer.Length;
        try
        {
            await SendFullPartsAsync(cancellationToken);
        }
        catch
        {
            await AbortAsync();
            throw;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

    public override void Flush()
    {
        // Data is sent in whole parts; nothing to flush early.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Makes the object visible. Throws <see cref="AmazonS3Exception"/> (412) when a conditional create lost.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        try
        {
            if (_uploadId is null)
            {
                var put = new PutObjectRequest
                {
                    BucketName = bucket,
                    Key = key,
                    InputStream = new MemoryStream(_buffer.GetBuffer(), 0, (int)_buffer.Length, writable: false),
                };
                if (ifNoneMatch) put.IfNoneMatch = "*";
                if (settings.IsCustomEndpoint) put.UseChunkEncoding = false;
                if (settings.Tags.Count > 0) put.TagSet = TagSet();
                foreach (var (k, v) in settings.Metadata) put.Metadata[k] = v;
                await s3.PutObjectAsync(put, ct);
            }
            else
            {
                if (_buffer.Length > 0) await UploadPartAsync((int)_buffer.Length, ct);
                var complete = new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = _uploadId, PartETags = _parts };
                if (ifNoneMatch) complete.IfNoneMatch = "*";
                await s3.CompleteMultipartUploadAsync(complete, ct);
            }
            if (settings.Tags.Count > 0 && settings.IsCustomEndpoint)
                await s3.PutObjectTaggingAsync(new PutObjectTaggingRequest { BucketName = bucket, Key = key, Tagging = new Tagging { TagSet = TagSet() } }, ct);
            Completed = true;
            _finished = true;
            _buffer = new MemoryStream();
        }
        catch
        {
            await AbortAsync();
            throw;
        }
    }

    private List<Tag> TagSet() => [.. settings.Tags.Select(kv => new Tag { Key = kv.Key, Value = kv.Value })];

    /// <summary>Drops a pending multipart upload (best effort) and discards buffered data.</summary>
    public async Task AbortAsync()
    {
        if (_finished) return;
        _finished = true;
        _buffer = new MemoryStream();
        if (_uploadId is null) return;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = _uploadId }, cts.Token);
        }
        catch (AmazonS3Exception)
        {
            // The bucket's lifecycle rule for incomplete uploads is the backstop.
        }
        catch (OperationCanceledException)
        {
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished) AbortAsync().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_finished) await AbortAsync();
        await base.DisposeAsync();
    }

    private async Task SendFullPartsAsync(CancellationToken ct)
    {
        if (_uploadId is null)
        {
            if (_buffer.Length < settings.MultipartThreshold) return;
            var initiate = new InitiateMultipartUploadRequest { BucketName = bucket, Key = key };
            if (settings.Tags.Count > 0) initiate.TagSet = TagSet();
            foreach (var (k, v) in settings.Metadata) initiate.Metadata[k] = v;
            var started = await s3.InitiateMultipartUploadAsync(initiate, ct);
            _uploadId = started.UploadId;
        }
        while (_buffer.Length >= settings.PartSize) await UploadPartAsync(settings.PartSize, ct);
    }

    private async Task UploadPartAsync(int count, CancellationToken ct)
    {
        var bytes = _buffer.GetBuffer();
        var number = _parts.Count + 1;
        var request = new UploadPartRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = _uploadId,
            PartNumber = number,
            PartSize = count,
            InputStream = new MemoryStream(bytes, 0, count, writable: false),
        };
        if (settings.IsCustomEndpoint) request.UseChunkEncoding = false;
        var response = await s3.UploadPartAsync(request, ct);
        _parts.Add(new PartETag(number, response.ETag));

        var rest = (int)_buffer.Length - count;
        Buffer.BlockCopy(bytes, count, bytes, 0, rest);
        _buffer.SetLength(rest);
        _buffer.Position = rest;
    }
}
