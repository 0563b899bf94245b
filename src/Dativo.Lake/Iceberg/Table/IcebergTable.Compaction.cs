using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>Options of <see cref="IcebergTable.CompactAsync"/>.</summary>
public sealed record CompactOptions
{
    /// <summary>Size of the rewritten files; the table's <c>write.target-file-size-bytes</c> by default.</summary>
    public long? TargetFileSizeBytes { get; init; }
    /// <summary>Files smaller than this are rewritten; 75% of the target by default.</summary>
    public long? SmallFileBytes { get; init; }
    /// <summary>A partition is compacted when it has at least this many small files (or any file with deletes).</summary>
    public int MinInputFiles { get; init; } = 2;
}

public sealed partial class IcebergTable
{
    /// <summary>
    /// Rewrites small files (and files carrying deletes) of each partition of the default spec into fewer files,
    /// applying deletes. Commits a <c>replace</c> snapshot; fails with a conflict if a concurrent commit removed
    /// an input file or added delete files. Returns null when there is nothing to compact.
    /// </summary>
    public async Task<CommitResult?> CompactAsync(CompactOptions? options = null, CancellationToken ct = default)
    {
        options ??= new CompactOptions();
        await RefreshAsync(ct);
        var startSnapshot = Metadata.CurrentSnapshot;
        if (startSnapshot is null) return null;
        var write = WriteOptions.FromProperties(Metadata.Properties);
        if (options.TargetFileSizeBytes is { } t) write = write with { TargetFileSizeBytes = t };
        var small = options.SmallFileBytes ?? write.TargetFileSizeBytes * 3 / 4;
        var tasks = await ScanPlanner.PlanAsync(Metadata, startSnapshot, Files, Expr.True, ct);
        var groups = tasks.Where(x => x.File.SpecId == Metadata.DefaultSpecId)
            .GroupBy(x => string.Join('|', x.File.Partition.Select(v => v is byte[] b ? Convert.ToHexString(b) : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "\u0001")))
            .Select(g => g.Where(x => x.File.FileSizeInBytes < small || x.PositionDeletes.Count > 0 || x.EqualityDeletes.Count > 0).ToList())
            .Where(g => g.Count >= options.MinInputFiles || g.Any(x => x.PositionDeletes.Count > 0 || x.EqualityDeletes.Count > 0))
            .ToList();
        if (groups.Count == 0) return null;

        var inputs = groups.SelectMany(g => g).ToList();
        var newFiles = new List<DataFile>();
        await using (var writer = new PartitionedWriter(IO, TableKey, Schema, Spec, write))
        {
            foreach (var g in groups)
            {
                var sql = await ReadingDataFilesAsync(() => TableSql.BuildAsync(IO, Schema, g, [], null, ct));
                await foreach (var batch in BatchReader.ReadAsync(sql, Schema, write.RowGroupRows, ct))
                    await writer.WriteAsync(batch, ct);
            }
            newFiles.AddRange(await writer.CompleteAsync(ct));
        }
        var inputPaths = inputs.Select(x => x.File.FilePath).ToHashSet(StringComparer.Ordinal);
        var danglingPositionDeletes = inputs.SelectMany(x => x.PositionDeletes).Where(d => d.ReferencedDataFile is not null && inputPaths.Contains(d.ReferencedDataFile))
            .Select(d => d.FilePath).ToHashSet(StringComparer.Ordinal);
        return await CommitSnapshotAsync(new SnapshotProducer(IO, TableKey, _time)
        {
            Operation = Operations.Replace,
            AddedData = newFiles,
            Plan = (baseMeta, live, attempt, ct2) =>
            {
                var livePaths = live.Select(x => x.Entry.File.FilePath).ToHashSet(StringComparer.Ordinal);
                if (!inputPaths.All(livePaths.Contains))
                    throw new DativoException($"table {Name}: compaction conflicts with a concurrent change that removed some of its input files; run it again");
                foreach (var s in baseMeta.Ancestors().TakeWhile(s => s.SnapshotId != startSnapshot.SnapshotId))
                    if (s.Summary.TryGetValue("added-delete-files", out var n) && n != "0")
                        throw new DativoException($"table {Name}: compaction conflicts with deletes committed meanwhile (snapshot {s.SnapshotId}); run it again");
                var remove = new HashSet<string>(inputPaths, StringComparer.Ordinal);
                remove.UnionWith(danglingPositionDeletes.Where(livePaths.Contains));
                return Task.FromResult(new AttemptChanges(remove, [], []));
            },
        }, ct);
    }
}
