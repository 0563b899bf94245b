using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>Options of <see cref="IcebergTable.ExpireSnapshotsAsync"/>; defaults from <c>history.expire.*</c> properties (5 days, keep 1).</summary>
public sealed record ExpireOptions
{
    public DateTimeOffset? OlderThan { get; init; }
    public int? RetainLast { get; init; }
    /// <summary>Delete files only reachable from expired snapshots (else only the metadata changes).</summary>
    public bool DeleteFiles { get; init; } = true;
}

public sealed record ExpireResult(int ExpiredSnapshots, int DeletedDataFiles, int DeletedDeleteFiles, int DeletedManifests, int DeletedManifestLists, CommitResult? Commit);

/// <summary>A file under data/ or metadata/ that no metadata references.</summary>
public sealed record OrphanFile(string Location, long Size, DateTimeOffset LastModified);

public sealed partial class IcebergTable
{
    public async Task<ExpireResult> ExpireSnapshotsAsync(ExpireOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ExpireOptions();
        var before = Metadata;
        var expiredIds = new HashSet<long>();
        var commit = await CommitAsync((m, attempt, _) =>
        {
            var maxAge = m.PropertyLong("history.expire.max-snapshot-age-ms", (long)TimeSpan.FromDays(5).TotalMilliseconds);
            var cutoff = (options.OlderThan ?? _time.GetUtcNow() - TimeSpan.FromMilliseconds(maxAge)).ToUnixTimeMilliseconds();
            var retainLast = Math.Max(1, options.RetainLast ?? (int)m.PropertyLong("history.expire.min-snapshots-to-keep", 1));
            var keep = m.Ancestors().Take(retainLast).Select(s => s.SnapshotId).ToHashSet();
            foreach (var r in m.Refs.Values) keep.Add(r.SnapshotId);
            var expired = m.Snapshots.Where(s => !keep.Contains(s.SnapshotId) && s.TimestampMs < cutoff).Select(s => s.SnapshotId).ToHashSet();
            expiredIds = expired;
            var lastExpired = m.SnapshotLog.Select((e, i) => (e, i)).Where(x => expired.Contains(x.e.SnapshotId)).Select(x => x.i).DefaultIfEmpty(-1).Max();
            var updated = m with
            {
                Snapshots = [.. m.Snapshots.Where(s => !expired.Contains(s.SnapshotId))],
                SnapshotLog = [.. m.SnapshotLog.Skip(lastExpired + 1)],
            };
            return Task.FromResult(new PendingCommit(updated, new CommitResult(null, "expire-snapshots", "", 0, 0, 0, 0, 0, attempt + 1), []));
        }, ct);
        if (expiredIds.Count == 0 || !options.DeleteFiles)
            return new ExpireResult(expiredIds.Count, 0, 0, 0, 0, commit);

        var retained = await ReachableAsync(Metadata, Metadata.Snapshots, ct);
        var gone = await ReachableAsync(Metadata, before.Snapshots.Where(s => expiredIds.Contains(s.SnapshotId)), ct);
        int data = 0, deletes = 0, manifests = 0, lists = 0;
        foreach (var (loc, kind) in gone)
        {
            if (retained.ContainsKey(loc)) continue;
            await IO.Store.DeleteAsync(IO.KeyOf(loc), ct);
            switch (kind)
            {
                case FileKind.Data: data++; break;
                case FileKind.Delete: deletes++; break;
                case FileKind.Manifest: manifests++; break;
                default: lists++; break;
            }
        }
        return new ExpireResult(expiredIds.Count, data, deletes, manifests, lists, commit);
    }

    private enum FileKind { ManifestList, Manifest, Data, Delete }

    private async Task<Dictionary<string, FileKind>> ReachableAsync(TableMetadata m, IEnumerable<Snapshot> snapshots, CancellationToken ct)
    {
        var files = new Dictionary<string, FileKind>(StringComparer.Ordinal);
        foreach (var s in snapshots)
        {
            files[s.ManifestList] = FileKind.ManifestList;
            foreach (var mf in await Files.ManifestsAsync(s, ct))
            {
                if (!files.TryAdd(mf.ManifestPath, FileKind.Manifest)) continue;
                // only live entries keep a file: a DELETED entry records its removal
                foreach (var e in (await Files.EntriesAsync(m, mf, ct)).Where(e => e.IsLive))
                    files[e.File.FilePath] = e.File.Content == FileContent.Data ? FileKind.Data : FileKind.Delete;
            }
        }
        return files;
    }

    /// <summary>Files under the table's data/ and metadata/ folders that no metadata references, older than <paramref name="olderThan"/> (default 3 days).</summary>
    public async Task<IReadOnlyList<OrphanFile>> FindOrphanFilesAsync(TimeSpan? olderThan = null, CancellationToken ct = default)
    {
        await RefreshAsync(ct);
        var m = Metadata;
        var referenced = new HashSet<string>(StringComparer.Ordinal) { IO.KeyOf(MetadataLocation), TableKey + "/metadata/version-hint.text" };
        foreach (var e in m.MetadataLog)
        {
            try { referenced.Add(IO.KeyOf(e.MetadataFile)); } catch (Core.Errors.DativoException) { }
        }
        foreach (var loc in (await ReachableAsync(m, m.Snapshots, ct)).Keys) referenced.Add(IO.KeyOf(loc));
        var cutoff = _time.GetUtcNow() - (olderThan ?? TimeSpan.FromDays(3));
        var orphans = new List<OrphanFile>();
        foreach (var folder in new[] { "/data/", "/metadata/" })
            await foreach (var o in IO.Store.ListAsync(TableKey + folder, ct))
                if (!referenced.Contains(o.Key) && o.LastModified <= cutoff)
                    orphans.Add(new OrphanFile(IO.UriOf(o.Key), o.Size, o.LastModified));
        return orphans;
    }

    /// <summary>Deletes the files <see cref="FindOrphanFilesAsync"/> reports.</summary>
    public async Task<IReadOnlyList<OrphanFile>> DeleteOrphanFilesAsync(TimeSpan? olderThan = null, CancellationToken ct = default)
    {
        var orphans = await FindOrphanFilesAsync(olderThan, ct);
        foreach (var o in orphans) await IO.Store.DeleteAsync(IO.KeyOf(o.Location), ct);
        return orphans;
    }
}
