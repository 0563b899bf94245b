using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using Dativo.Core.Errors;

namespace Dativo.Lake.Storage.S3;

/// <summary>
/// Objects in an S3 bucket under a prefix. Writes are single PUTs (atomic by S3's semantics) or
/// multipart uploads completed in one call; create-if-absent uses <c>If-None-Match: *</c>.
/// </summary>
internal sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly S3Settings _settings;
    private readonly Lock _probeGate = new();
    private Task<bool>? _conditionalWrites;

    public S3ObjectStore(IAmazonS3 s3, string bucket, string prefix, S3Settings settings)
    {
        _s3 = s3;
        _bucket = bucket;
        _prefix = prefix.Trim('/');
        _settings = settings;
        Root = "s3://" + bucket + (_prefix.Length > 0 ? "/" + _prefix : "");
    }

    public string Root { get; }

    internal IAmazonS3 Client => _s3;

    public string UriOf(string key) => Root + "/" + ObjectKeys.Validate(key);

    public async Task PutAsync(string key, Stream content, CancellationToken ct = default)
    {
        await using var upload = NewUpload(key, ifNoneMatch: false);
        await content.CopyToAsync(upload, ct);
        await upload.CompleteAsync(ct);
    }

    public async Task<bool> PutIfAbsentAsync(string key, Stream content, CancellationToken ct = default)
    {
        var native = await SupportsConditionalWritesAsync(ct);
        if (!native)
        {
            if (!_settings.EmulateConditionalWrites)
                throw new DativoException(
                    $"the S3 endpoint {_settings.Endpoint} ignores conditional writes (If-None-Match: *), so create-if-absent on {UriOf(key)} " +
                    "cannot be made atomic; use an S3 service that supports conditional writes, or set EmulateConditionalWrites " +
                    "(check-then-put, only safe with a single writer) for local development");
            if (await ExistsAsync(key, ct)) return false;
        }

        await using var upload = NewUpload(key, ifNoneMatch: native);
        try
        {
            await content.CopyToAsync(upload, ct);
            await upload.CompleteAsync(ct);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            // A concurrent conditional write to the same key was in flight: one of them wins.
            return !await ExistsAsync(key, ct) ? throw new ObjectWriteConflictException($"conditional write of {UriOf(key)} conflicted; retry", e) : false;
        }
    }

    public Task<IObjectWriter> OpenWriteAsync(string key, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<IObjectWriter>(new S3ObjectWriter(NewUpload(key, ifNoneMatch: false)));
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken ct = default)
    {
        try
        {
            var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = FullKey(key) }, ct);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new ObjectNotFoundException(UriOf(key));
        }
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct = default)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = FullKey(key) }, ct);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix.Length > 0 ? _prefix + "/" + prefix : prefix };
        var strip = _prefix.Length > 0 ? _prefix.Length + 1 : 0;
        do
        {
            var page = await _s3.ListObjectsV2Async(request, ct);
            foreach (var o in page.S3Objects ?? [])
            {
                if (o.Key.EndsWith('/')) continue; // folder markers made by consoles
                var modified = o.LastModified is DateTime d ? new DateTimeOffset(DateTime.SpecifyKind(d.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.MinValue;
                yield return new ObjectInfo(o.Key[strip..], o.Size ?? 0, modified, o.ETag);
            }
            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
    }

    public async Task DeleteAsync(string key, CancellationToken ct = default)
    {
        try
        {
            await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = FullKey(key) }, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // already gone
        }
    }

    public void Dispose() => _s3.Dispose();

    private string FullKey(string key) => _prefix.Length > 0 ? _prefix + "/" + ObjectKeys.Validate(key) : ObjectKeys.Validate(key);

    private S3Upload NewUpload(string key, bool ifNoneMatch) => new(_s3, _bucket, FullKey(key), _settings, ifNoneMatch);

    /// <summary>
    /// AWS S3 honours If-None-Match on PUT. Custom endpoints are probed once: some emulators
    /// silently ignore the header, which would make create-if-absent overwrite.
    /// </summary>
    private Task<bool> SupportsConditionalWritesAsync(CancellationToken ct)
    {
        if (!_settings.IsCustomEndpoint) return Task.FromResult(true);
        lock (_probeGate)
        {
            if (_conditionalWrites is null || _conditionalWrites.IsFaulted || _conditionalWrites.IsCanceled)
                _conditionalWrites = ProbeConditionalWritesAsync(ct);
            return _conditionalWrites.WaitAsync(ct);
        }
    }

    private async Task<bool> ProbeConditionalWritesAsync(CancellationToken ct)
    {
        var key = FullKey(".dativo-probe/" + Guid.NewGuid().ToString("N"));
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = "probe", UseChunkEncoding = false }, ct);
        try
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = "probe", IfNoneMatch = "*", UseChunkEncoding = false }, ct);
            return false;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.BadRequest)
        {
            return false;
        }
        finally
        {
            await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, CancellationToken.None);
        }
    }
}
