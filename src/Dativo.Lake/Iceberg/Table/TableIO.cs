using Dativo.Core.Errors;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>
/// Maps the locations recorded in metadata (URIs) onto keys of the object store holding the table.
/// A location map rewrites prefixes first, e.g. <c>s3a://bucket/wh=file:///data/wh</c> for a copied table.
/// </summary>
public sealed class TableIO(IObjectStore store, IReadOnlyDictionary<string, string>? locationMap = null)
{
    public IObjectStore Store { get; } = store;

    public IReadOnlyDictionary<string, string> LocationMap { get; } = locationMap ?? new Dictionary<string, string>();

    /// <summary>Applies the location map to a recorded location.</summary>
    public string Resolve(string location)
    {
        foreach (var (from, to) in LocationMap.OrderByDescending(kv => kv.Key.Length))
            if (location.StartsWith(from, StringComparison.Ordinal))
                return to.TrimEnd('/') + "/" + location[from.Length..].TrimStart('/');
        return location;
    }

    public string KeyOf(string location)
    {
        var resolved = Resolve(location);
        var root = Store.Root.TrimEnd('/') + "/";
        if (resolved.StartsWith(root, StringComparison.Ordinal)) return resolved[root.Length..];
        // file:/x and file:///x spell the same place
        if (resolved.StartsWith("file:", StringComparison.Ordinal) && root.StartsWith("file:", StringComparison.Ordinal))
        {
            var a = new Uri(resolved).LocalPath;
            var b = new Uri(root).LocalPath.TrimEnd('/') + "/";
            if (a.StartsWith(b, StringComparison.Ordinal)) return a[b.Length..];
        }
        throw new DativoException($"location '{location}' is outside the storage root '{Store.Root}'; pass a location map (OLD_PREFIX=NEW_PREFIX) to open tables that were copied or moved");
    }

    public string UriOf(string key) => Store.UriOf(key);

    /// <summary>Local file path of a location when the store is a local folder (for DuckDB); null otherwise.</summary>
    public string? LocalPath(string location)
    {
        var key = KeyOf(location);
        if (Store is Storage.Local.LocalObjectStore local) return local.PathOf(key);   // keeps %XX in folder names as they are
        var uri = UriOf(key);
        return uri.StartsWith("file:", StringComparison.Ordinal) ? new Uri(uri).LocalPath : null;
    }

    /// <summary>
    /// Where files of non-local stores are downloaded for DuckDB (data and delete files are immutable, so a cached
    /// copy is reused). Default: <c>&lt;temp&gt;/dativo-lake-cache</c>.
    /// </summary>
    public string CacheDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "dativo-lake-cache");

    /// <summary>A local path DuckDB can read: the file itself on local stores, else a downloaded copy in <see cref="CacheDirectory"/>.</summary>
    public async Task<string> LocalFileAsync(string location, CancellationToken ct)
    {
        if (LocalPath(location) is { } local) return local;
        var key = KeyOf(location);
        var uri = UriOf(key);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(uri)))[..24];
        var name = key[(key.LastIndexOf('/') + 1)..];
        var target = Path.Combine(CacheDirectory, hash + "-" + name);
        if (File.Exists(target)) return target;
        Directory.CreateDirectory(CacheDirectory);
        var temp = target + ".part-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var src = await Store.OpenReadAsync(key, ct))
            await using (var dst = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                await src.CopyToAsync(dst, ct);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return target;
    }

    public async Task<byte[]> ReadAllAsync(string location, CancellationToken ct)
    {
        await using var s = await Store.OpenReadAsync(KeyOf(location), ct);
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct);
        return ms.ToArray();
    }
}
