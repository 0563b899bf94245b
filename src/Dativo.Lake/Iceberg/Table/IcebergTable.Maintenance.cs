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
public sealed record OrphanFile(string Location, long Size, DateTimeOffset LastModified)
{
    /// <summary>An unfinished temporary file (<c>*.dativo-tmp</c>: a write that was killed, or is still running) rather than a finished one.</summary>
    public bool Temporary { get; init; }
}

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

    /// <summary>
    /// Files under the table's data/ and metadata/ folders that no metadata references, older than <paramref name="olderThan"/>
    /// (default 3 days): files of writers that crashed or failed, and, on a local store, their unfinished temporary files.
    /// </summary>
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
        {
            await foreach (var o in IO.Store.ListAsync(TableKey + folder, ct))
                if (!referenced.Contains(o.Key) && o.LastModified <= cutoff)
                    orphans.Add(new OrphanFile(IO.UriOf(o.Key), o.Size, o.LastModified));
            if (IO.Store is Storage.Local.LocalObjectStore local)
                await foreach (var o in local.ListTemporaryAsync(TableKey + folder, ct))
                    if (o.LastModified <= cutoff)
                        orphans.Add(new OrphanFile(IO.UriOf(o.Key), o.Size, o.LastModified) { Temporary = true });
        }
        return orphans;
    }

    /// <summary>
    /// Throws <see cref="DamagedTableException"/> unless the current snapshot's manifest list is readable and its manifests
    /// exist with their recorded length (one read and one listing: cheap enough to check every table of a warehouse).
    /// </summary>
    public Task VerifyManifestsAsync(CancellationToken ct = default) => Files.VerifyAsync(Metadata.CurrentSnapshot, ct);

    /// <summary>
    /// Throws <see cref="DamagedTableException"/> unless every file of the current snapshot is in place: its manifest list,
    /// its manifests, and each live data and delete file under the table's folders with the size its manifest records.
    /// </summary>
    public async Task VerifyCurrentSnapshotAsync(CancellationToken ct = default)
    {
        await RefreshAsync(ct);
        await VerifySnapshotAsync(Metadata, Metadata.CurrentSnapshot, ct);
    }

    /// <summary>
    /// Makes an earlier snapshot current again, after checking that all its files are in place: the repair for a table whose
    /// current snapshot lost a file. Later snapshots stay in the history (their new files become unreferenced).
    /// </summary>
    public async Task<CommitResult> RollbackToSnapshotAsync(long snapshotId, CancellationToken ct = default)
    {
        var target = Metadata.SnapshotById(snapshotId)
            ?? throw new Core.Errors.DativoException($"table {Name} has no snapshot {snapshotId}; 'dativo table history {Name}' lists the snapshots");
        await VerifySnapshotAsync(Metadata, target, ct);
        return await CommitMetadataAsync("rollback", m =>
        {
            if (m.SnapshotById(snapshotId) is null)
                throw new Core.Errors.DativoException($"table {Name}: snapshot {snapshotId} was expired meanwhile; choose another one");
            var refs = new Dictionary<string, SnapshotRef>(m.Refs) { [SnapshotRef.Main] = new SnapshotRef(snapshotId, SnapshotRef.Branch) };
            return m with
            {
                CurrentSnapshotId = snapshotId,
                Refs = refs,
                SnapshotLog = [.. m.SnapshotLog, new SnapshotLogEntry(_time.GetUtcNow().ToUnixTimeMilliseconds(), snapshotId)],
            };
        }, ct);
    }

    internal async Task VerifySnapshotAsync(TableMetadata m, Snapshot? snapshot, CancellationToken ct)
    {
        await Files.VerifyAsync(snapshot, ct);
        var live = await Files.LiveEntriesAsync(m, snapshot, ct);
        if (live.Count == 0) return;
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var o in IO.Store.ListAsync(TableKey + "/", ct)) sizes[o.Key] = o.Size;
        var damaged = new List<(string Location, string Problem)>();
        foreach (var (_, e) in live)
        {
            var key = IO.KeyOf(e.File.FilePath);
            if (!key.StartsWith(TableKey + "/", StringComparison.Ordinal)) continue; // elsewhere: not listed, not judged
            if (!sizes.TryGetValue(key, out var size)) damaged.Add((e.File.FilePath, "is missing"));
            else if (e.File.FileSizeInBytes > 0 && size != e.File.FileSizeInBytes)
                damaged.Add((e.File.FilePath, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"has {size} bytes where its manifest records {e.File.FileSizeInBytes} (truncated or overwritten)")));
        }
        if (damaged.Count == 0) return;
        var (location, problem) = damaged[0];
        var more = damaged.Count > 1 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" (and {damaged.Count - 1} more file(s))") : "";
        throw TableDamage.SnapshotFile(Name, _catalog is not null, "data file", location, problem + more);
    }

    /// <summary>Deletes the files <see cref="FindOrphanFilesAsync"/> reports.</summary>
    public async Task<IReadOnlyList<OrphanFile>> DeleteOrphanFilesAsync(TimeSpan? olderThan = null, CancellationToken ct = default)
    {
        var orphans = await FindOrphanFilesAsync(olderThan, ct);
        foreach (var o in orphans) await IO.Store.DeleteAsync(IO.KeyOf(o.Location), ct);
        return orphans;
    }
}
