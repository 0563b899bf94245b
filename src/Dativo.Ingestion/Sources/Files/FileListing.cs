using System.Text.RegularExpressions;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Core.Text;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>
/// A file to read: its object store, key, display path and change markers; for a file read before that has grown since,
/// where the new bytes start (<see cref="Offset"/>, on line <see cref="FirstLine"/>) and the hash of the bytes before them.
/// </summary>
internal sealed record SourceFileRef(IObjectStore Store, string Key, string Path, string Object, long Size, DateTimeOffset Modified, string? ETag, string? Format)
{
    public long Offset { get; init; }
    public long FirstLine { get; init; } = 1;
    public ContentHash? Hash { get; init; }
}

/// <summary>Expands a job's <c>source.files</c> (paths, globs with * ? **, folders, s3:// prefixes) into files, in path order.</summary>
internal static class FileListing
{
    public static async Task<List<SourceFileRef>> ListAsync(LoadedJob job, CancellationToken ct)
    {
        var result = new List<SourceFileRef>();
        var entries = job.Config.Source.Files;
        if (entries.Count == 0)
            throw new DativoException($"{job.File}: source.files is empty: list the files to read (paths, globs or s3:// prefixes)");
        foreach (var f in entries)
        {
            var location = f.Location;
            var obj = f.Object ?? f.Id ?? job.Contract.Object ?? job.Contract.Name;
            var found = location.Contains("://", StringComparison.Ordinal)
                ? await ListUriAsync(location, ct).ConfigureAwait(false)
                : await ListLocalAsync(job.Resolve(location), ct).ConfigureAwait(false);
            if (found.Count == 0 && !HasWildcard(location))
                throw new DativoException($"{job.File}: source file not found: {location}");
            result.AddRange(found.Select(x => x with { Object = obj, Format = f.Format }));
        }
        return [.. result.DistinctBy(r => r.Path).OrderBy(r => r.Path, StringComparer.Ordinal)];
    }

    private static bool HasWildcard(string p) => p.IndexOfAny(['*', '?', '[']) >= 0;

    private static async Task<List<SourceFileRef>> ListLocalAsync(string path, CancellationToken ct)
    {
        string root;
        Regex? pattern = null;
        if (HasWildcard(path))
        {
            var parts = path.Split('/');
            var firstWild = Array.FindIndex(parts, HasWildcard);
            root = string.Join('/', parts[..firstWild]);
            if (root.Length == 0) root = "/";
            pattern = GlobRegex(string.Join('/', parts[firstWild..]));
        }
        else if (Directory.Exists(path)) root = path;
        else if (File.Exists(path)) root = Path.GetDirectoryName(path)!;
        else return [];
        if (!Directory.Exists(root)) return [];
        var store = ObjectStores.Open(root);
        var list = new List<SourceFileRef>();
        var single = !HasWildcard(path) && File.Exists(path) ? Path.GetFileName(path) : null;
        await foreach (var o in store.ListAsync(single ?? "", ct).ConfigureAwait(false))
        {
            if (single is not null && o.Key != single) continue;
            if (pattern is not null && !pattern.IsMatch(o.Key)) continue;
            if (Path.GetFileName(o.Key).StartsWith('.') || Path.GetFileName(o.Key).StartsWith('_')) continue;
            list.Add(new SourceFileRef(store, o.Key, Path.Combine(root, o.Key), "", o.Size, o.LastModified, o.ETag, null));
        }
        return list;
    }

    private static async Task<List<SourceFileRef>> ListUriAsync(string uri, CancellationToken ct)
    {
        var wild = HasWildcard(uri);
        var baseUri = wild ? uri[..uri[..uri.IndexOfAny(['*', '?', '['])].LastIndexOf('/')] : uri;
        var store = ObjectStores.Open(baseUri);
        var pattern = wild ? GlobRegex(uri[(baseUri.Length + 1)..]) : null;
        var list = new List<SourceFileRef>();
        await foreach (var o in store.ListAsync("", ct).ConfigureAwait(false))
        {
            if (pattern is not null && !pattern.IsMatch(o.Key)) continue;
            list.Add(new SourceFileRef(store, o.Key, store.UriOf(o.Key), "", o.Size, o.LastModified, o.ETag, null));
        }
        return list;
    }

    /// <summary>* matches within a path segment, ** across segments, ? one character (see <see cref="Globs"/>).</summary>
    public static Regex GlobRegex(string glob) => Globs.ToRegex(glob);
}
