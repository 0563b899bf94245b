using System.Globalization;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>What one attempt removes and adds on top of the fixed new files (recomputed on every retry).</summary>
internal sealed record AttemptChanges(
    IReadOnlySet<string> RemovePaths,
    IReadOnlyList<DataFile> AddDeletes,
    IReadOnlyList<string> AttemptKeys)
{
    public static AttemptChanges None { get; } = new(new HashSet<string>(), [], []);
}

/// <summary>
/// Builds a snapshot on top of a base: new data/delete files go into manifests written once (entries inherit
/// sequence numbers, so retries only rewrite the manifest list); files removed by the attempt's plan are marked
/// DELETED in rewritten manifests; untouched manifests are carried over (fast append).
/// </summary>
internal sealed class SnapshotProducer(TableIO io, string tableKey, TimeProvider time)
{
    private readonly List<ManifestFile> _fixedManifests = [];
    private readonly List<string> _written = [];
    private bool _fixedWritten;

    public required string Operation { get; init; }

    public IReadOnlyList<DataFile> AddedData { get; init; } = [];

    public IReadOnlyList<DataFile> AddedDeletes { get; init; } = [];

    public long SnapshotId { get; } = NewSnapshotId();

    /// <summary>Per-attempt plan: given the base and its live entries, which files to remove and which delete files to add.</summary>
    public Func<TableMetadata, IReadOnlyList<(ManifestFile Manifest, ManifestEntry Entry)>, int, CancellationToken, Task<AttemptChanges>>? Plan { get; init; }

    public IReadOnlyDictionary<string, string> ExtraSummary { get; init; } = new Dictionary<string, string>();

    /// <summary>Table properties set in the same metadata swap as the snapshot (e.g. a writer's progress marker).</summary>
    public IReadOnlyDictionary<string, string> SetProperties { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Checked against every base the snapshot is built on (also on retries): a non-null message refuses the commit
    /// with <see cref="CommitRefusedException"/>, nothing of it becoming visible.
    /// </summary>
    public Func<TableMetadata, string?>? Precondition { get; init; }

    private static long NewSnapshotId()
    {
        var g = Guid.NewGuid().ToByteArray();
        return BitConverter.ToInt64(g, 0) & long.MaxValue;
    }

    public async Task<PendingCommit> ProduceAsync(TableMetadata baseMeta, int attempt, SnapshotFiles files, CancellationToken ct)
    {
        // a refusal is a commit that certainly did not happen: the table's cleanup (DeleteWrittenFilesAsync) removes what was written
        if (Precondition?.Invoke(baseMeta) is { } refusal) throw new CommitRefusedException(refusal);
        // a snapshot built on a damaged one (a manifest deleted or truncated) would carry the damage on: refuse first
        await files.VerifyAsync(baseMeta.CurrentSnapshot, ct);
        var attemptKeys = new List<string>();
        if (!_fixedWritten)
        {
            foreach (var g in AddedData.GroupBy(f => f.SpecId))
                _fixedManifests.Add(Written(await ManifestOutput.WriteAsync(io, tableKey, baseMeta, baseMeta.Spec(g.Key), ManifestContent.Data,
                    [.. g.Select(f => new ManifestEntry(EntryStatus.Added, SnapshotId, null, null, f))], SnapshotId, ct)));
            foreach (var g in AddedDeletes.GroupBy(f => f.SpecId))
                _fixedManifests.Add(Written(await ManifestOutput.WriteAsync(io, tableKey, baseMeta, baseMeta.Spec(g.Key), ManifestContent.Deletes,
                    [.. g.Select(f => new ManifestEntry(EntryStatus.Added, SnapshotId, null, null, f))], SnapshotId, ct)));
            _fixedWritten = true;
        }
        var seq = baseMeta.LastSequenceNumber + 1;
        var baseSnapshot = baseMeta.CurrentSnapshot;
        var baseManifests = await files.ManifestsAsync(baseSnapshot, ct);

        var changes = AttemptChanges.None;
        if (Plan is not null)
        {
            var live = await files.LiveEntriesAsync(baseMeta, baseSnapshot, ct);
            changes = await Plan(baseMeta, live, attempt, ct);
            attemptKeys.AddRange(changes.AttemptKeys);
        }

        var manifests = new List<ManifestFile>();
        foreach (var m in _fixedManifests)
            manifests.Add(m with { SequenceNumber = seq, MinSequenceNumber = seq });
        foreach (var g in changes.AddDeletes.GroupBy(f => f.SpecId))
        {
            var m = Written(await ManifestOutput.WriteAsync(io, tableKey, baseMeta, baseMeta.Spec(g.Key), ManifestContent.Deletes,
                [.. g.Select(f => new ManifestEntry(EntryStatus.Added, SnapshotId, null, null, f))], SnapshotId, ct));
            attemptKeys.Add(io.KeyOf(m.ManifestPath));
            manifests.Add(m with { SequenceNumber = seq, MinSequenceNumber = seq });
        }

        var removedData = new List<DataFile>();
        var removedDeletes = new List<DataFile>();
        foreach (var m in baseManifests)
        {
            if (changes.RemovePaths.Count == 0)
            {
                manifests.Add(m);
                continue;
            }
            var entries = await files.EntriesAsync(baseMeta, m, ct);
            if (!entries.Any(e => e.IsLive && changes.RemovePaths.Contains(e.File.FilePath)))
            {
                manifests.Add(m);
                continue;
            }
            var rewritten = new List<ManifestEntry>();
            foreach (var e in entries.Where(e => e.IsLive))
            {
                if (changes.RemovePaths.Contains(e.File.FilePath))
                {
                    rewritten.Add(new ManifestEntry(EntryStatus.Deleted, SnapshotId, e.SequenceNumber, e.FileSequenceNumber, e.File));
                    (e.File.Content == FileContent.Data ? removedData : removedDeletes).Add(e.File);
                }
                else rewritten.Add(new ManifestEntry(EntryStatus.Existing, e.SnapshotId, e.SequenceNumber, e.FileSequenceNumber, e.File));
            }
            var nm = Written(await ManifestOutput.WriteAsync(io, tableKey, baseMeta, baseMeta.Spec(m.PartitionSpecId), m.Content, rewritten, SnapshotId, ct));
            attemptKeys.Add(io.KeyOf(nm.ManifestPath));
            manifests.Add(nm with { SequenceNumber = seq, MinSequenceNumber = nm.MinSequenceNumber < 0 ? seq : nm.MinSequenceNumber });
        }

        var listKey = $"{tableKey}/metadata/snap-{SnapshotId}-{attempt + 1}-{Guid.NewGuid()}.avro";
        _written.Add(listKey);
        await io.Store.PutAsync(listKey, new MemoryStream(ManifestListFile.Write(SnapshotId, baseSnapshot?.SnapshotId, seq, manifests)), ct);
        attemptKeys.Add(listKey);

        var addedDeletes = AddedDeletes.Concat(changes.AddDeletes).ToList();
        var summary = Summary(baseSnapshot, manifests, removedData, removedDeletes, addedDeletes);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var snapshot = new Snapshot(SnapshotId, baseSnapshot?.SnapshotId, seq, now, io.UriOf(listKey), summary, baseMeta.CurrentSchemaId);
        var refs = new Dictionary<string, SnapshotRef>(baseMeta.Refs) { [SnapshotRef.Main] = new SnapshotRef(SnapshotId, SnapshotRef.Branch) };
        var meta = baseMeta with
        {
            Snapshots = [.. baseMeta.Snapshots, snapshot],
            CurrentSnapshotId = SnapshotId,
            LastSequenceNumber = seq,
            Refs = refs,
            SnapshotLog = [.. baseMeta.SnapshotLog, new SnapshotLogEntry(now, SnapshotId)],
            Properties = SetProperties.Count == 0 ? baseMeta.Properties : WithProperties(baseMeta.Properties, SetProperties),
        };
        var result = new CommitResult(SnapshotId, Operation, "", AddedData.Count, AddedData.Sum(f => f.RecordCount),
            removedData.Count, removedData.Sum(f => f.RecordCount), addedDeletes.Count, attempt + 1) { Summary = summary };
        return new PendingCommit(meta, result, attemptKeys);
    }

    private static Dictionary<string, string> WithProperties(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string> set)
    {
        var merged = new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (var (k, v) in set) merged[k] = v;
        return merged;
    }

    private ManifestFile Written(ManifestFile m)
    {
        _written.Add(io.KeyOf(m.ManifestPath));
        return m;
    }

    /// <summary>
    /// Deletes what this producer wrote (manifests, manifest lists) and the data and delete files it was to add:
    /// for a commit that certainly did not happen, all of it is unreferenced. Failures to delete are left to orphan cleanup.
    /// </summary>
    public async Task DeleteWrittenFilesAsync()
    {
        var keys = new List<string>(_written);
        foreach (var f in AddedData.Concat(AddedDeletes))
        {
            try { keys.Add(io.KeyOf(f.FilePath)); }
            catch (Core.Errors.DativoException) { /* not in this store: not ours to delete */ }
        }
        foreach (var key in keys)
        {
            try { await io.Store.DeleteAsync(key, CancellationToken.None); }
            catch (Exception e) when (e is not OperationCanceledException) { /* the commit's own error is the one to report */ }
        }
    }

    private Dictionary<string, string> Summary(Snapshot? baseSnapshot, List<ManifestFile> manifests,
        List<DataFile> removedData, List<DataFile> removedDeletes, List<DataFile> addedDeletes)
    {
        static string S(long v) => v.ToString(CultureInfo.InvariantCulture);
        long Base(string key) => baseSnapshot?.Summary.TryGetValue(key, out var v) == true && long.TryParse(v, CultureInfo.InvariantCulture, out var l) ? l : 0;
        var posDeletes = addedDeletes.Where(f => f.Content == FileContent.PositionDeletes).ToList();
        var eqDeletes = addedDeletes.Where(f => f.Content == FileContent.EqualityDeletes).ToList();
        var removedPos = removedDeletes.Where(f => f.Content == FileContent.PositionDeletes).ToList();
        var removedEq = removedDeletes.Where(f => f.Content == FileContent.EqualityDeletes).ToList();
        var addedSize = AddedData.Sum(f => f.FileSizeInBytes) + addedDeletes.Sum(f => f.FileSizeInBytes);
        var removedSize = removedData.Sum(f => f.FileSizeInBytes) + removedDeletes.Sum(f => f.FileSizeInBytes);
        var data = manifests.Where(m => m.Content == ManifestContent.Data).ToList();
        var deletes = manifests.Where(m => m.Content == ManifestContent.Deletes).ToList();
        var s = new Dictionary<string, string> { ["operation"] = Operation };
        void Put(string key, long value) { if (value != 0) s[key] = S(value); }
        Put("added-data-files", AddedData.Count);
        Put("deleted-data-files", removedData.Count);
        Put("added-delete-files", addedDeletes.Count);
        Put("added-position-delete-files", posDeletes.Count);
        Put("added-equality-delete-files", eqDeletes.Count);
        Put("removed-delete-files", removedDeletes.Count);
        Put("removed-position-delete-files", removedPos.Count);
        Put("removed-equality-delete-files", removedEq.Count);
        Put("added-records", AddedData.Sum(f => f.RecordCount));
        Put("deleted-records", removedData.Sum(f => f.RecordCount));
        Put("added-files-size", addedSize);
        Put("removed-files-size", removedSize);
        Put("added-position-deletes", posDeletes.Sum(f => f.RecordCount));
        Put("removed-position-deletes", removedPos.Sum(f => f.RecordCount));
        Put("added-equality-deletes", eqDeletes.Sum(f => f.RecordCount));
        Put("removed-equality-deletes", removedEq.Sum(f => f.RecordCount));
        var changed = AddedData.Concat(addedDeletes).Concat(removedData).Concat(removedDeletes)
            .Select(f => f.SpecId + ":" + string.Join('|', f.Partition.Select(v => v is byte[] b ? Convert.ToHexString(b) : Convert.ToString(v, CultureInfo.InvariantCulture) ?? "\u0001")))
            .Distinct().Count();
        Put("changed-partition-count", changed);
        s["total-records"] = S(data.Sum(m => m.AddedRowsCount + m.ExistingRowsCount));
        s["total-files-size"] = S(Math.Max(0, Base("total-files-size") + addedSize - removedSize));
        s["total-data-files"] = S(data.Sum(m => m.AddedFilesCount + m.ExistingFilesCount));
        s["total-delete-files"] = S(deletes.Sum(m => m.AddedFilesCount + m.ExistingFilesCount));
        s["total-position-deletes"] = S(Math.Max(0, Base("total-position-deletes") + posDeletes.Sum(f => f.RecordCount) - removedPos.Sum(f => f.RecordCount)));
        s["total-equality-deletes"] = S(Math.Max(0, Base("total-equality-deletes") + eqDeletes.Sum(f => f.RecordCount) - removedEq.Sum(f => f.RecordCount)));
        foreach (var (k, v) in ExtraSummary) s[k] = v;
        return s;
    }
}
