using System.Collections.Concurrent;
using System.Globalization;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>
/// Reads manifest lists and manifests (immutable files, cached by location). A missing or unreadable one is a
/// <see cref="DamagedTableException"/> naming <paramref name="table"/> (<paramref name="inCatalog"/>: the repair can be a rollback).
/// </summary>
internal sealed class SnapshotFiles(TableIO io, Func<string> table, bool inCatalog)
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<ManifestFile>> _lists = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyList<ManifestEntry>> _manifests = new(StringComparer.Ordinal);

    public TableIO IO => io;

    public async Task<IReadOnlyList<ManifestFile>> ManifestsAsync(Snapshot? snapshot, CancellationToken ct)
    {
        if (snapshot is null) return [];
        if (_lists.TryGetValue(snapshot.ManifestList, out var cached)) return cached;
        var what = string.Create(CultureInfo.InvariantCulture, $"the manifest list of snapshot {snapshot.SnapshotId}");
        var bytes = await ReadAsync(what, snapshot.ManifestList, ct);
        IReadOnlyList<ManifestFile> list;
        try
        {
            list = ManifestListFile.Read(new MemoryStream(bytes));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Damaged(what, snapshot.ManifestList, e);
        }
        _lists[snapshot.ManifestList] = list;
        return list;
    }

    /// <summary>Entries with inherited snapshot ids and sequence numbers.</summary>
    public async Task<IReadOnlyList<ManifestEntry>> EntriesAsync(TableMetadata table, ManifestFile manifest, CancellationToken ct)
    {
        var cacheKey = manifest.ManifestPath + "#" + manifest.SequenceNumber;
        if (_manifests.TryGetValue(cacheKey, out var cached)) return cached;
        var bytes = await ReadAsync("manifest", manifest.ManifestPath, ct);
        IReadOnlyList<ManifestEntry> entries;
        try
        {
            entries = ManifestReader.Read(new MemoryStream(bytes), table, manifest).Entries;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Damaged("manifest", manifest.ManifestPath, e);
        }
        _manifests[cacheKey] = entries;
        return entries;
    }

    /// <summary>All live (added or existing) entries of a snapshot.</summary>
    public async Task<List<(ManifestFile Manifest, ManifestEntry Entry)>> LiveEntriesAsync(TableMetadata table, Snapshot? snapshot, CancellationToken ct)
    {
        var result = new List<(ManifestFile, ManifestEntry)>();
        foreach (var m in await ManifestsAsync(snapshot, ct))
            foreach (var e in await EntriesAsync(table, m, ct))
                if (e.IsLive) result.Add((m, e));
        return result;
    }

    /// <summary>
    /// Throws <see cref="DamagedTableException"/> unless the snapshot's manifest list is readable and every manifest it
    /// lists exists with the length the list records. Cheap (one listing per manifest folder, no manifest is read), so
    /// every new snapshot checks its base: a snapshot built on a damaged one would carry the damage forward.
    /// </summary>
    public async Task VerifyAsync(Snapshot? snapshot, CancellationToken ct)
    {
        var manifests = await ManifestsAsync(snapshot, ct);
        if (manifests.Count == 0) return;
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var keys = manifests.Select(m => io.KeyOf(m.ManifestPath)).ToList();
        foreach (var folder in keys.Select(k => k[..(k.LastIndexOf('/') + 1)]).Distinct(StringComparer.Ordinal))
            await foreach (var o in io.Store.ListAsync(folder, ct))
                sizes[o.Key] = o.Size;
        for (var i = 0; i < manifests.Count; i++)
        {
            var m = manifests[i];
            if (!sizes.TryGetValue(keys[i], out var size))
                throw Damaged("manifest", m.ManifestPath, new ObjectNotFoundException(m.ManifestPath));
            if (m.ManifestLength > 0 && size != m.ManifestLength)
                throw TableDamage.SnapshotFile(table(), inCatalog, "manifest", m.ManifestPath,
                    string.Create(CultureInfo.InvariantCulture, $"has {size} bytes where the manifest list records {m.ManifestLength} (truncated or overwritten)"));
        }
    }

    private async Task<byte[]> ReadAsync(string what, string location, CancellationToken ct)
    {
        try
        {
            return await io.ReadAllAsync(location, ct);
        }
        catch (ObjectNotFoundException e)
        {
            throw Damaged(what, location, e);
        }
    }

    private DamagedTableException Damaged(string what, string location, Exception e) => TableDamage.SnapshotFile(table(), inCatalog, what, location, e);
}
