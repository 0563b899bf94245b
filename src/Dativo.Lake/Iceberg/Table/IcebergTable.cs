using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>
/// An Iceberg v2 table. Reads use the loaded metadata (<see cref="RefreshAsync"/> re-reads the catalog);
/// every write commits through the catalog with optimistic concurrency (see <see cref="TableCommitter"/>).
/// </summary>
public sealed partial class IcebergTable
{
    private readonly ICatalog? _catalog;
    private readonly TimeProvider _time;

    internal IcebergTable(ICatalog? catalog, TableIdentifier? identifier, TableIO io, TableMetadata metadata, string metadataLocation, TimeProvider time)
    {
        _catalog = catalog;
        Identifier = identifier;
        IO = io;
        Metadata = metadata;
        MetadataLocation = metadataLocation;
        _time = time;
        Files = new SnapshotFiles(io, () => Name, catalog is not null);
    }

    public TableIdentifier? Identifier { get; }

    public string Name => Identifier?.ToString() ?? Metadata.Location;

    public TableIO IO { get; }

    public TableMetadata Metadata { get; private set; }

    public string MetadataLocation { get; private set; }

    public IcebergSchema Schema => Metadata.CurrentSchema;

    public PartitionSpec Spec => Metadata.DefaultSpec;

    public string Location => Metadata.Location;

    internal SnapshotFiles Files { get; }

    internal string TableKey => IO.KeyOf(Metadata.Location);

    public TableScan NewScan() => new(this);

    /// <summary>Reloads the current metadata from the catalog.</summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        if (_catalog is null || Identifier is null) return;
        var loc = await _catalog.LoadMetadataLocationAsync(Identifier, ct) ?? throw new DativoException($"table {Identifier} no longer exists");
        if (loc == MetadataLocation) return;
        Metadata = await TableDamage.ReadCurrentMetadataAsync(IO, loc, Identifier.ToString(), inCatalog: true, ct);
        MetadataLocation = loc;
    }

    // ---- writing data ----

    /// <summary>Writes batches (current schema) as Parquet data files, partitioned by the default spec; nothing is committed.</summary>
    public async Task<IReadOnlyList<DataFile>> WriteDataFilesAsync(IAsyncEnumerable<RecordBatch> batches, CancellationToken ct = default)
    {
        await using var writer = new PartitionedWriter(IO, TableKey, Schema, Spec, WriteOptions.FromProperties(Metadata.Properties));
        await foreach (var b in batches.WithCancellation(ct))
        {
            CheckBatch(b);
            await writer.WriteAsync(b, ct);
        }
        return await writer.CompleteAsync(ct);
    }

    public Task<IReadOnlyList<DataFile>> WriteDataFilesAsync(IEnumerable<RecordBatch> batches, CancellationToken ct = default) =>
        WriteDataFilesAsync(batches.ToAsyncEnumerable(), ct);

    internal void CheckBatch(RecordBatch b)
    {
        if (!b.Schema.Columns.Select(c => c.Id).SequenceEqual(Schema.Columns.Select(c => c.Id)))
            throw new DativoException($"table {Name}: the batch columns ({string.Join(", ", b.Schema.Columns.Select(c => $"{c.Name}#{c.Id}"))}) do not match the table schema ({string.Join(", ", Schema.Columns.Select(c => $"{c.Name}#{c.Id}"))}); build batches with table.Schema");
    }

    public async Task<CommitResult> AppendAsync(IEnumerable<RecordBatch> batches, CancellationToken ct = default) =>
        await AppendFilesAsync(await WriteDataFilesAsync(batches, ct), ct);

    public Task<CommitResult> AppendAsync(RecordBatch batch, CancellationToken ct = default) => AppendAsync([batch], ct);

    public async Task<CommitResult> AppendAsync(IAsyncEnumerable<RecordBatch> batches, CancellationToken ct = default) =>
        await AppendFilesAsync(await WriteDataFilesAsync(batches, ct), ct);

    /// <summary>
    /// Commits already written data files (fast append: no existing manifest is rewritten). If the commit certainly
    /// did not happen, the files are deleted (they were written for it and nothing references them).
    /// </summary>
    public Task<CommitResult> AppendFilesAsync(IReadOnlyList<DataFile> files, CancellationToken ct = default) =>
        CommitSnapshotAsync(new SnapshotProducer(IO, TableKey, _time) { Operation = Operations.Append, AddedData = files }, ct);

    /// <summary>Replaces the rows matching <paramref name="filter"/> with the given rows, in one snapshot.</summary>
    public async Task<CommitResult> OverwriteAsync(Expr filter, IEnumerable<RecordBatch> batches, CancellationToken ct = default)
    {
        var files = await WriteDataFilesAsync(batches, ct);
        return await CommitSnapshotAsync(new SnapshotProducer(IO, TableKey, _time)
        {
            Operation = Operations.Overwrite, AddedData = files, Plan = DeletePlan(filter),
        }, ct);
    }

    /// <summary>Dynamic partition overwrite: every partition present in the new rows is replaced; other partitions are kept.</summary>
    public async Task<CommitResult> ReplacePartitionsAsync(IEnumerable<RecordBatch> batches, CancellationToken ct = default) =>
        await CommitFilesAsync(await WriteDataFilesAsync(batches, ct), new FileCommit { Mode = FileCommitMode.ReplacePartitions }, ct);

    /// <summary>
    /// Deletes rows matching <paramref name="filter"/>: files whose rows all match are dropped from the table;
    /// files with some matching rows get a position delete file (merge-on-read).
    /// </summary>
    public Task<CommitResult> DeleteWhereAsync(Expr filter, CancellationToken ct = default) =>
        CommitSnapshotAsync(new SnapshotProducer(IO, TableKey, _time) { Operation = Operations.Delete, Plan = DeletePlan(filter) }, ct);

    /// <summary>
    /// Adds an equality delete file: every row whose values equal a row of <paramref name="keys"/> (on all of its
    /// columns, matched by field id; null matches null) is deleted from data written before this commit.
    /// </summary>
    public async Task<CommitResult> DeleteByKeysAsync(RecordBatch keys, CancellationToken ct = default)
    {
        foreach (var c in keys.Schema.Columns)
            if (Schema.FindField(c.Id) is null) throw new DativoException($"equality delete column '{c.Name}' (id {c.Id}) is not in table {Name}");
        var opts = WriteOptions.FromProperties(Metadata.Properties);
        IReadOnlyList<DataFile> written;
        await using (var writer = new PartitionedWriter(IO, TableKey, keys.Schema, Spec, opts))
        {
            await writer.WriteAsync(keys, ct);
            written = await writer.CompleteAsync(ct);
        }
        var deletes = written.Select(f => f with { Content = FileContent.EqualityDeletes, EqualityIds = [.. keys.Schema.Columns.Select(c => c.Id)], SortOrderId = null }).ToList();
        return await CommitSnapshotAsync(new SnapshotProducer(IO, TableKey, _time) { Operation = Operations.Delete, AddedDeletes = deletes }, ct);
    }

    private Func<TableMetadata, IReadOnlyList<(ManifestFile Manifest, ManifestEntry Entry)>, int, CancellationToken, Task<AttemptChanges>> DeletePlan(Expr filter) =>
        async (baseMeta, live, attempt, ct) =>
        {
            var schema = baseMeta.CurrentSchema;
            var preds = BoundPredicate.Bind(filter, schema);
            var remove = new HashSet<string>(StringComparer.Ordinal);
            var addDeletes = new List<DataFile>();
            var keys = new List<string>();
            var tasks = await ScanPlanner.PlanAsync(baseMeta, baseMeta.CurrentSnapshot, Files, filter, ct);
            foreach (var t in tasks)
            {
                var spec = baseMeta.PartitionSpecs.FirstOrDefault(s => s.SpecId == t.File.SpecId) ?? PartitionSpec.Unpartitioned;
                if (t.PositionDeletes.Count == 0 && t.EqualityDeletes.Count == 0 && Evaluators.AllMatch(preds, t.File, spec))
                {
                    remove.Add(t.File.FilePath);
                    continue;
                }
                var (liveRows, positions) = await MatchingPositionsAsync(schema, t, preds, ct);
                if (positions.Length == 0) continue;
                if (positions.Length == liveRows)
                {
                    remove.Add(t.File.FilePath);
                    foreach (var d in t.PositionDeletes.Where(d => d.ReferencedDataFile == t.File.FilePath)) remove.Add(d.FilePath);
                    continue;
                }
                var del = await WritePositionDeletesAsync(t.File, positions, ct);
                keys.Add(IO.KeyOf(del.FilePath));
                addDeletes.Add(del);
            }
            return new AttemptChanges(remove, addDeletes, keys);
        };

    private async Task<(long Live, long[] Positions)> MatchingPositionsAsync(IcebergSchema schema, ScanTask task, IReadOnlyList<BoundPredicate> preds, CancellationToken ct)
    {
        var fileSql = await ReadingDataFilesAsync(() => TableSql.FileSqlAsync(IO, schema, task, includePosition: true, ct));
        var where = preds.Count == 0 ? "TRUE" : string.Join(" AND ", preds.Select(p => DuckDbTypes.Condition(p, p.Field.Name)));
        await using var engine = await Engine.DuckDbEngine.OpenAsync(ct: ct);
        var live = Convert.ToInt64(await engine.ScalarAsync($"SELECT count(*) FROM ({fileSql}) AS f", ct), System.Globalization.CultureInfo.InvariantCulture);
        var list = new List<long>();
        await using var result = await engine.OpenReaderAsync($"SELECT {TableSql.RowPosition} FROM ({fileSql}) AS f WHERE {where} ORDER BY 1", ct);
        while (await result.Reader.ReadAsync(ct)) list.Add(result.Reader.GetInt64(0));
        return (live, [.. list]);
    }

    private static readonly IcebergSchema PositionDeleteSchema = new(0,
    [
        NestedField.Require(2147483546, "file_path", IcebergType.String),
        NestedField.Require(2147483545, "pos", IcebergType.Long),
    ]);

    private async Task<DataFile> WritePositionDeletesAsync(DataFile target, long[] positions, CancellationToken ct)
    {
        var dir = target.FilePath[..target.FilePath.LastIndexOf('/')];
        var key = IO.KeyOf(dir) + $"/{Guid.NewGuid():N}-deletes.parquet";
        var opts = WriteOptions.FromProperties(Metadata.Properties);
        await using var w = await ParquetFileWriter.CreateAsync(IO.Store, key, PositionDeleteSchema, opts, ct);
        await w.WriteRowGroupAsync(new RecordBatch(PositionDeleteSchema, [Enumerable.Repeat(target.FilePath, positions.Length).ToArray(), positions]), ct);
        var f = await w.CompleteAsync(IO.UriOf(key), ct);
        return f with
        {
            Content = FileContent.PositionDeletes, SpecId = target.SpecId, Partition = target.Partition,
            ReferencedDataFile = target.FilePath, SortOrderId = null,
        };
    }

    /// <summary>Runs a read of data or delete files, turning a missing or unreadable one into <see cref="DamagedTableException"/>.</summary>
    internal async Task<T> ReadingDataFilesAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Storage.ObjectNotFoundException e)
        {
            throw TableDamage.SnapshotFile(Name, _catalog is not null, "data file", e.Uri, e);
        }
        catch (UnreadableFileException e)
        {
            throw TableDamage.SnapshotFile(Name, _catalog is not null, "data file", e.Location, e);
        }
    }

    // ---- commit plumbing ----

    /// <summary>
    /// Commits a new snapshot. When the commit certainly did not happen (an error before the catalog swap, or every
    /// attempt lost its swap), the files written for it — its manifests and the data and delete files it adds — are
    /// deleted: no snapshot references them, and a failed write leaves nothing behind.
    /// </summary>
    internal async Task<CommitResult> CommitSnapshotAsync(SnapshotProducer producer, CancellationToken ct) =>
        await CommitAsync((baseMeta, attempt, token) => producer.ProduceAsync(baseMeta, attempt, Files, token), ct, producer.DeleteWrittenFilesAsync);

    internal async Task<CommitResult> CommitAsync(Func<TableMetadata, int, CancellationToken, Task<PendingCommit>> apply, CancellationToken ct,
        Func<Task>? cleanUpAfterFailure = null)
    {
        if (_catalog is null || Identifier is null)
        {
            if (cleanUpAfterFailure is not null) await cleanUpAfterFailure();
            throw new DativoException($"table {Name} was opened read-only from its location; open it through a catalog to write");
        }
        var committer = new TableCommitter(_catalog, Identifier, IO, TableKey, _time);
        TableMetadata meta;
        string loc;
        CommitResult result;
        try
        {
            (meta, loc, result) = await committer.CommitAsync(Metadata, MetadataLocation, apply, ct);
        }
        catch (Exception) when (cleanUpAfterFailure is not null && !committer.MayHaveCommitted)
        {
            await cleanUpAfterFailure();
            throw;
        }
        Metadata = meta;
        MetadataLocation = loc;
        return result;
    }

    /// <summary>A metadata-only change (no new snapshot).</summary>
    internal Task<CommitResult> CommitMetadataAsync(string operation, Func<TableMetadata, TableMetadata> change, CancellationToken ct) =>
        CommitAsync((baseMeta, attempt, _) => Task.FromResult(new PendingCommit(change(baseMeta),
            new CommitResult(null, operation, "", 0, 0, 0, 0, 0, attempt + 1), [])), ct);
}
