using Dativo.Core.Errors;
using Dativo.Lake.Storage.Local;
using Dativo.Lake.Storage.S3;

namespace Dativo.Lake.Storage;

/// <summary>Opens an object store from a URI: <c>file:///path</c> or a plain path → local folder; <c>s3://bucket/prefix</c> → S3.</summary>
public static class ObjectStores
{
    public static IObjectStore Open(string uri, ObjectStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        options ??= new ObjectStoreOptions();
        if (uri.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("s3a://", StringComparison.OrdinalIgnoreCase))
        {
            var (bucket, prefix) = SplitS3(uri);
            var settings = S3ClientFactory.Resolve(options);
            return new S3ObjectStore(S3ClientFactory.Create(options, settings), bucket, prefix, settings);
        }
        if (uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return new LocalObjectStore(new Uri(uri).LocalPath);
        if (uri.Contains("://", StringComparison.Ordinal))
            throw new DativoException($"unsupported storage location '{uri}': use a folder path, file:///path or s3://bucket/prefix");
        return new LocalObjectStore(uri);
    }

    internal static (string Bucket, string Prefix) SplitS3(string uri)
    {
        var rest = uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (bucket.Length == 0)
            throw new DativoException($"storage location '{uri}' has no bucket: use s3://bucket/prefix");
        return (bucket, prefix);
    }
}
