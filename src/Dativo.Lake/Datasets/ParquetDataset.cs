using Dativo.Core.Errors;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Datasets;

/// <summary>The published state of a dataset: live files in commit order, the latest schema and partition columns.</summary>
public sealed record DatasetState(long Sequence, IcebergSchema? Schema, IReadOnlyList<string> PartitionColumns, IReadOnlyList<DatasetFile> Files, int Commits)
{
    public long RecordCount => Files.Sum(f => f.RecordCount);
}

/// <summary>
/// A Hive-partitioned Parquet dataset (<c>col=value/part-&lt;uuid&gt;.parquet</c>) under a prefix of an object store.
/// Files are written once under their final names; a write becomes visible only when its manifest
/// <c>_dativo/manifests/&lt;seq&gt;.json</c> is created with PutIfAbsent. Readers fold the manifests and never list data folders;
/// every <see cref="CheckpointEvery"/> commits a writer also publishes a checkpoint (the whole state in one manifest), so a
/// reader reads the manifests since the newest checkpoint, not every one since the dataset began.
/// </summary>
public sealed class ParquetDataset
{
    private const int MaxPublishAttempts = 1000;

    /// <summary>Commits between checkpoints (a reader reads at most about this many manifests).</summary>
    internal int CheckpointEvery { get; set; } = 64;

    private readonly TimeProvider _time;

    private ParquetDataset(IObjectStore store, string prefix, TimeProvider time)
    {
        Store = store;
        Prefix = prefix.Trim('/');
        _time = time;
    }

    public IObjectStore Store { get; }

    /// <summary>Key prefix of the dataset root in <see cref="Store"/> ("" = the store root).</summary>
    public string Prefix { get; }

    public string Location => Store.UriOf(Key(""));

    public static ParquetDataset Open(IObjectStore store, string prefix = "", TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(prefix);
        return new ParquetDataset(store, prefix, time ?? TimeProvider.System);
    }

    internal string Key(string relative) => Prefix.Length == 0 ? relative : relative.Length == 0 ? Prefix : Prefix + "/" + relative;

    internal string Relative(string key) => Prefix.Length == 0 ? key : key[(Prefix.Length + 1)..];

    /// <summary>Starts a write; nothing is visible until <see cref="DatasetWriter.CommitAsync"/>.</summary>
    public DatasetWriter NewWriter(IcebergSchema schema, DatasetWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new DatasetWriter(this, schema, options ?? new DatasetWriteOptions());
    }

    public Task<DatasetCommit> AppendAsync(IEnumerable<RecordBatch> batches, IReadOnlyList<string>? partitionBy = null, CancellationToken ct = default) =>
        WriteAsync(batches, new DatasetWriteOptions { Mode = DatasetWriteMode.Append, PartitionBy = partitionBy ?? [] }, ct);

    /// <summary>Replaces exactly the partitions present in <paramref name="batches"/> (dynamic partition overwrite).</summary>
    public Task<DatasetCommit> OverwritePartitionsAsync(IEnumerable<RecordBatch> batches, IReadOnlyList<string>? partitionBy = null, CancellationToken ct = default) =>
        WriteAsync(batches, new DatasetWriteOptions { Mode = DatasetWriteMode.OverwritePartitions, PartitionBy = partitionBy ?? [] }, ct);

    public async Task<DatasetCommit> WriteAsync(IEnumerable<RecordBatch> batches, DatasetWriteOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var list = batches as IReadOnlyList<RecordBatch> ?? [.. batches];
        if (list.Count == 0) throw new DativoException("nothing to write: no record batches");
        await using var w = NewWriter(list[0].Schema, options);
        foreach (var b in list) await w.WriteAsync(b, ct);
        return await w.CommitAsync(ct);
    }

    /// <summary>The manifests that make the current state, in sequence order: the newest checkpoint and every manifest after it (all of them when there is no checkpoint).</summary>
    public async Task<IReadOnlyList<DatasetManifest>> ManifestsAsync(CancellationToken ct = default)
    {
        var keys = new List<(long Seq, string Key)>();
        await foreach (var o in Store.ListAsync(Key(DatasetManifest.Folder), ct))
            if (DatasetManifest.SequenceOf(o.Key) is { } seq) keys.Add((seq, o.Key));
        keys.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        // newest first, a few at a time, until a checkpoint
        var read = new List<DatasetManifest>();
        for (var end = keys.Count; end > 0; end -= ReadAhead)
        {
            var chunk = keys[Math.Max(0, end - ReadAhead)..end];
            var manifests = await Task.WhenAll(chunk.Select(async k => DatasetManifest.FromJson(await Store.ReadAllBytesAsync(k.Key, ct), Store.UriOf(k.Key))));
            for (var i = manifests.Length - 1; i >= 0; i--)
            {
                read.Add(manifests[i]);
                if (manifests[i].Checkpoint) return Oldest(read);
            }
        }
        return Oldest(read);

        static List<DatasetManifest> Oldest(List<DatasetManifest> newestFirst) { newestFirst.Reverse(); return newestFirst; }
    }

    private const int ReadAhead = 16;

    /// <summary>The value of property <paramref name="key"/> in the newest manifest that has it, or null.</summary>
    public async Task<string?> LatestPropertyAsync(string key, CancellationToken ct = default) => LatestProperty(await ManifestsAsync(ct), key);

    /// <summary>The value of property <paramref name="key"/> in the newest of <paramref name="manifests"/> that has it, or null.</summary>
    public static string? LatestProperty(IReadOnlyList<DatasetManifest> manifests, string key)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        for (var i = manifests.Count - 1; i >= 0; i--)
            if (manifests[i].Properties.TryGetValue(key, out var v)) return v;
        return null;
    }

    /// <summary>The live files: manifests folded in order (overwrites drop earlier files of their partitions).</summary>
    public async Task<DatasetState> CurrentAsync(CancellationToken ct = default) => Fold(await ManifestsAsync(ct));

    private static DatasetState Fold(IReadOnlyList<DatasetManifest> manifests)
    {
        var live = new List<DatasetFile>();
        long commits = 0;
        foreach (var m in manifests)
        {
            if (m.Checkpoint) live.Clear();
            else if (m.ReplacedPartitions.Count > 0)
            {
                var replaced = m.ReplacedPartitions.ToHashSet(StringComparer.Ordinal);
                live.RemoveAll(f => replaced.Contains(f.Partition));
            }
            live.AddRange(m.Files);
            commits += m.Commits;
        }
        var last = manifests.Count == 0 ? null : manifests[^1];
        return new DatasetState(last?.Sequence ?? 0, last?.Schema, last?.PartitionColumns ?? [], live, (int)commits);
    }

    /// <summary>DuckDB SQL returning the published rows (local stores).</summary>
    public async Task<string> ToSqlAsync(CancellationToken ct = default)
    {
        var state = await CurrentAsync(ct);
        if (state.Schema is null) throw new DativoException($"dataset {Location} has no published data (no {DatasetManifest.Folder}*.json)");
        var cols = state.Schema.Columns;
        if (state.Files.Count == 0)
            return "SELECT " + string.Join(", ", cols.Select(c => $"NULL::{Iceberg.Scan.DuckDbTypes.TypeName(c.Type)} AS {SqlText.Identifier(c.Name)}")) + " WHERE FALSE";
        var io = new Iceberg.Table.TableIO(Store);
        var paths = new List<string>(state.Files.Count);
        foreach (var f in state.Files) paths.Add(await io.LocalFileAsync(Store.UriOf(Key(f.Path)), ct));   // S3: downloaded to the cache
        return $"SELECT * FROM read_parquet({SqlText.FileList(paths)}, hive_partitioning = false, union_by_name = true)";
    }

    /// <summary>Creates (or replaces) a DuckDB view over the published rows.</summary>
    public async Task RegisterViewAsync(DuckDbEngine engine, string name, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        await engine.RegisterViewAsync(name, await ToSqlAsync(ct), ct);
    }

    /// <summary>Data files below the dataset that no live commit lists, last modified before now − <paramref name="olderThan"/>.</summary>
    public async Task<IReadOnlyList<ObjectInfo>> FindOrphanFilesAsync(TimeSpan olderThan, CancellationToken ct = default)
    {
        var state = await CurrentAsync(ct);
        var live = state.Files.Select(f => Key(f.Path)).ToHashSet(StringComparer.Ordinal);
        var cutoff = _time.GetUtcNow() - olderThan;
        var orphans = new List<ObjectInfo>();
        var root = Prefix.Length == 0 ? "" : Prefix + "/";
        await foreach (var o in Store.ListAsync(root, ct))
        {
            var rel = o.Key[root.Length..];
            if (rel.StartsWith("_dativo/", StringComparison.Ordinal) || !rel.EndsWith(".parquet", StringComparison.Ordinal)) continue;
            if (!live.Contains(o.Key) && o.LastModified <= cutoff) orphans.Add(o);
        }
        return orphans;
    }

    /// <summary>Deletes <see cref="FindOrphanFilesAsync"/>'s files; returns them.</summary>
    public async Task<IReadOnlyList<ObjectInfo>> DeleteOrphanFilesAsync(TimeSpan olderThan, CancellationToken ct = default)
    {
        var orphans = await FindOrphanFilesAsync(olderThan, ct);
        foreach (var o in orphans) await Store.DeleteAsync(o.Key, ct);
        return orphans;
    }

    internal async Task<DatasetCommit> PublishAsync(IcebergSchema schema, DatasetWriteOptions options, IReadOnlyList<string> replaced,
        IReadOnlyList<DatasetFile> files, IReadOnlyDictionary<string, string> properties, CancellationToken ct)
    {
        var commitId = Guid.NewGuid().ToString("N");
        var manifests = await ManifestsAsync(ct);
        if (manifests.Count > 0 && !manifests[^1].PartitionColumns.SequenceEqual(options.PartitionBy, StringComparer.Ordinal))
            throw new DativoException($"dataset {Location} is partitioned by ({string.Join(", ", manifests[^1].PartitionColumns)}), " +
                $"this write by ({string.Join(", ", options.PartitionBy)}): use the same partition columns");
        var seq = manifests.Count == 0 ? 1 : manifests[^1].Sequence + 1;
        for (var attempt = 0; attempt < MaxPublishAttempts; attempt++, seq++)
        {
            if (options.Precondition is { } precondition)
            {
                if (attempt > 0) manifests = await ManifestsAsync(ct);
                if (precondition(manifests) is { } refusal) throw new Iceberg.Table.CommitRefusedException(refusal);
                seq = Math.Max(seq, manifests.Count == 0 ? 1 : manifests[^1].Sequence + 1);
            }
            var manifest = new DatasetManifest(seq, commitId, options.Mode, _time.GetUtcNow(), schema, options.PartitionBy, replaced, files) { Properties = properties };
            var key = Key(DatasetManifest.FileName(seq));
            try
            {
                using var body = new MemoryStream(manifest.ToJson(), writable: false);
                await Store.PutIfAbsentAsync(key, body, ct);
            }
            catch (IOException)
            {
                // a lost create race may surface as an error: the read-back below decides
            }
            // read back: the sequence is ours only if the manifest holds our commit id
            if (await IsOursAsync(key, commitId, ct))
            {
                if (manifests.Count(m => !m.Checkpoint) + 1 >= CheckpointEvery) await TryCheckpointAsync(ct);
                return new DatasetCommit(seq, key, options.Mode, files);
            }
        }
        throw new DativoException($"dataset {Location}: could not publish a manifest after {MaxPublishAttempts} attempts");
    }

    /// <summary>
    /// Publishes the current state as a checkpoint at the next sequence. Best effort: when another writer takes that
    /// sequence first, or anything fails, readers simply keep reading the manifests (a later commit tries again).
    /// </summary>
    private async Task TryCheckpointAsync(CancellationToken ct)
    {
        try
        {
            var manifests = await ManifestsAsync(ct);
            if (manifests.Count == 0 || manifests[^1].Checkpoint) return;
            var state = Fold(manifests);
            var properties = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var m in manifests)
                foreach (var (k, v) in m.Properties) properties[k] = v;
            var last = manifests[^1];
            var seq = last.Sequence + 1;
            var commitId = Guid.NewGuid().ToString("N");
            var checkpoint = new DatasetManifest(seq, commitId, DatasetWriteMode.Append, _time.GetUtcNow(), last.Schema, last.PartitionColumns, [], state.Files)
            {
                Checkpoint = true,
                Commits = state.Commits,
                Properties = properties,
            };
            var key = Key(DatasetManifest.FileName(seq));
            using var body = new MemoryStream(checkpoint.ToJson(), writable: false);
            await Store.PutIfAbsentAsync(key, body, ct);
        }
        catch (Exception e) when (e is IOException or DativoException or ObjectNotFoundException)
        {
            // not checkpointed this time
        }
    }

    private async Task<bool> IsOursAsync(string key, string commitId, CancellationToken ct)
    {
        try
        {
            var m = DatasetManifest.FromJson(await Store.ReadAllBytesAsync(key, ct), Store.UriOf(key));
            return m.CommitId == commitId;
        }
        catch (ObjectNotFoundException)
        {
            return false;
        }
        catch (DativoException)
        {
            return false;
        }
    }
}
