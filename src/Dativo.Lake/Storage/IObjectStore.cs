namespace Dativo.Lake.Storage;

/// <summary>
/// A flat key space of immutable-ish objects: a local folder or an S3 bucket/prefix.
/// Keys use '/' separators and never start with '/'.
/// </summary>
public interface IObjectStore
{
    /// <summary>Root URI of the store, e.g. <c>file:///data/lake</c> or <c>s3://bucket/prefix</c>.</summary>
    string Root { get; }

    /// <summary>Full URI of a key (what Iceberg metadata records as a location).</summary>
    string UriOf(string key);

    /// <summary>Writes the whole object atomically: readers see the old object, or the new one, never a part.</summary>
    Task PutAsync(string key, Stream content, CancellationToken ct = default);

    /// <summary>Creates the object only if no object has the key. Returns false when it already existed.</summary>
    Task<bool> PutIfAbsentAsync(string key, Stream content, CancellationToken ct = default);

    /// <summary>
    /// Opens a streaming writer; the object becomes visible atomically when <see cref="IObjectWriter.CommitAsync"/>
    /// completes. Disposing the writer without committing discards everything (on S3 the multipart upload is aborted).
    /// </summary>
    Task<IObjectWriter> OpenWriteAsync(string key, CancellationToken ct = default);

    /// <summary>Opens the object for reading. Throws <see cref="ObjectNotFoundException"/> when absent.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken ct = default);

    Task<bool> ExistsAsync(string key, CancellationToken ct = default);

    /// <summary>Lists objects whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct = default);

    /// <summary>Deletes the object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken ct = default);
}

/// <summary>A stream being written to a store; nothing is visible until <see cref="CommitAsync"/>.</summary>
public interface IObjectWriter : IAsyncDisposable
{
    /// <summary>Write-only stream. Closing it (as Parquet/Avro writers do) neither commits nor loses the data.</summary>
    Stream Stream { get; }
    Task CommitAsync(CancellationToken ct = default);
}

public sealed record ObjectInfo(string Key, long Size, DateTimeOffset LastModified, string? ETag);

public sealed class ObjectNotFoundException(string uri) : Exception($"object not found: {uri}")
{
    public string Uri { get; } = uri;
}
