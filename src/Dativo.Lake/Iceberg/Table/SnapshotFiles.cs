using System.Collections.Concurrent;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>Reads manifest lists and manifests (immutable files, cached by location).</summary>
internal sealed class SnapshotFiles(TableIO io)
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<ManifestFile>> _lists = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyList<ManifestEntry>> _manifests = new(StringComparer.Ordinal);

    public TableIO IO => io;

    public async Task<IReadOnlyList<ManifestFile>> ManifestsAsync(Snapshot? snapshot, CancellationToken ct)
    {
        if (snapshot is null) return [];
        if (_lists.TryGetValue(snapshot.ManifestList, out var cached)) return cached;
        var bytes = await io.ReadAllAsync(snapshot.ManifestList, ct);
        var list = ManifestListFile.Read(new MemoryStream(bytes));
        _lists[snapshot.ManifestList] = list;
        return list;
    }

    /// <summary>Entries with inherited snapshot ids and sequence numbers.</summary>
    public async Task<IReadOnlyList<ManifestEntry>> EntriesAsync(TableMetadata table, ManifestFile manifest, CancellationToken ct)
    {
        var cacheKey = manifest.ManifestPath + "#" + manifest.SequenceNumber;
        if (_manifests.TryGetValue(cacheKey, out var cached)) return cached;
        var bytes = await io.ReadAllAsync(manifest.ManifestPath, ct);
        var entries = ManifestReader.Read(new MemoryStream(bytes), table, manifest).Entries;
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
}
