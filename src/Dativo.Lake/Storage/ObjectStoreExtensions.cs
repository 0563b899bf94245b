namespace Dativo.Lake.Storage;

/// <summary>Conveniences over <see cref="IObjectStore"/>.</summary>
public static class ObjectStoreExtensions
{
    /// <summary>
    /// The key of an absolute location written by <see cref="IObjectStore.UriOf"/> (or by another
    /// engine: <c>s3a://</c>/<c>s3n://</c> and Java's <c>file:/path</c> spellings are accepted).
    /// Returns null when the location is outside the store.
    /// </summary>
    public static string? TryKeyOf(this IObjectStore store, string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var normalized = Normalize(location);
        var root = Normalize(store.Root).TrimEnd('/') + "/";
        if (!normalized.StartsWith(root, StringComparison.Ordinal) || normalized.Length == root.Length) return null;
        return normalized[root.Length..];
    }

    /// <summary>Like <see cref="TryKeyOf"/> but throws when the location is outside the store.</summary>
    public static string KeyOf(this IObjectStore store, string location) =>
        store.TryKeyOf(location) ?? throw new ArgumentException($"location {location} is not under {store.Root}", nameof(location));

    public static async Task<byte[]> ReadAllBytesAsync(this IObjectStore store, string key, CancellationToken ct = default)
    {
        await using var stream = await store.OpenReadAsync(key, ct);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    public static async Task PutBytesAsync(this IObjectStore store, string key, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        using var stream = new MemoryStream(content.ToArray(), writable: false);
        await store.PutAsync(key, stream, ct);
    }

    private static string Normalize(string location)
    {
        if (location.StartsWith("s3a://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("s3n://", StringComparison.OrdinalIgnoreCase))
            return "s3://" + location[6..];
        if (location.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return "file://" + "/" + location[5..].TrimStart('/');
        return location;
    }
}
