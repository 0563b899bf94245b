using System.Globalization;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Core.Tags;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Targets;

/// <summary>
/// Appends to an Iceberg v2 table in a SQL catalog (SQLite at &lt;warehouse&gt;/catalog.db by default) through the lake's
/// table API, creating it from the contract on first use. The job's state is a table property set in the same commit as the
/// data (it survives snapshot expiry and compaction), and that commit is refused when another run of the job committed
/// since this one read the state (see docs/guarantees.md).
/// </summary>
internal sealed class IcebergTarget : ITableTarget
{
    private readonly ICatalog _catalog;
    private readonly IcebergTable _table;
    private readonly string _stateKey;
    private readonly WriteOptions _options;
    private readonly FileCommitMode _mode;
    private readonly string _job;
    private string? _stateAtOpen;
    private TableDataWriter? _writer;
    private readonly List<DataFile> _added = [];
    private BatchConverter _converter = null!;
    private long _bytes;
    private int _files;

    private IcebergTarget(ICatalog catalog, IcebergTable table, LoadedJob job, WriteOptions options)
    {
        _catalog = catalog;
        _table = table;
        _stateKey = StateSummaryKey(job);
        _options = options;
        _mode = ModeOf(job);
        _job = $"{job.Config.TenantId}/{job.Name}";
        _commitKey = CommitMarkerKey(job);
        CheckNotRolledBack(table, _stateKey, _commitKey, _job);
        _stateAtOpen = StateOf(table.Metadata, _stateKey);
    }

    private readonly string _commitKey;

    /// <summary>Names the commit that last set the job state: a table property and the same value in that snapshot's summary.</summary>
    public static string CommitMarkerKey(LoadedJob job) => $"dativo.state-commit.{job.Config.TenantId}.{job.Name}";

    /// <summary>
    /// The state property outlives snapshots (that is its point), so a table rolled back past the job's last commit would
    /// keep a state that claims data the table no longer holds, and the next run would skip it. That case is detectable:
    /// the snapshot carrying the state's commit marker still exists but is no longer an ancestor of the current one.
    /// </summary>
    private static void CheckNotRolledBack(IcebergTable table, string stateKey, string commitKey, string job)
    {
        var meta = table.Metadata;
        if (!meta.Properties.TryGetValue(commitKey, out var marker)) return;
        var marked = meta.Snapshots.FirstOrDefault(s => s.Summary.GetValueOrDefault(commitKey) == marker);
        if (marked is null || meta.Ancestors().Any(s => s.SnapshotId == marked.SnapshotId)) return;
        throw new DativoException(
            $"table {table.Name} was rolled back past the last commit of job {job} (snapshot {marked.SnapshotId}): the job's state records data the " +
            $"table no longer holds, so a run would skip it. Nothing was run. To load again from the source, clear the job's state: " +
            $"dativo table properties {table.Name} --unset {stateKey} --unset {commitKey} (rows still in the table from earlier runs would then load again " +
            "in append mode: remove them first, or re-create the table)");
    }

    public string Display => _table.Name;
    public TargetSchema Schema { get; private set; } = null!;
    public string? CommittedState => _stateAtOpen;

    /// <summary>How this job's commits treat the rows already in the table (target.mode).</summary>
    public FileCommitMode Mode => _mode;

    /// <summary>
    /// The job's state in a table version: the table property, or for tables written before the state moved there the
    /// newest snapshot summary that carries it.
    /// </summary>
    internal static string? StateOf(TableMetadata meta, string key) =>
        meta.Properties.TryGetValue(key, out var v) ? v : meta.Ancestors().Select(s => s.Summary.GetValueOrDefault(key)).FirstOrDefault(x => x is not null);

    /// <summary>target.mode: append (the default), overwrite (the table becomes this run's rows) or overwrite_partitions.</summary>
    public static FileCommitMode ModeOf(LoadedJob job) => job.Config.Target.Mode?.Trim().ToLowerInvariant() switch
    {
        null or "" or "append" => FileCommitMode.Append,
        "overwrite" => FileCommitMode.Overwrite,
        "overwrite_partitions" => FileCommitMode.ReplacePartitions,
        var m => throw new DativoException($"{job.File}: target.mode '{m}' is not supported; use append (default), overwrite or overwrite_partitions"),
    };
    public long BytesWritten => _bytes;
    public int FilesWritten => _files;

    /// <summary>
    /// Rows per Parquet row group (and per batch of the row path): small enough that encoding overlaps parsing (the
    /// writer holds a whole group before encoding it) and memory stays flat — 131 k-row batches took a 10 M-row
    /// PostgreSQL load to 420–500 MiB, 65 k-row ones keep it near 400 MiB at the same speed — large enough for good
    /// compression and few pages (DuckDB writes ~123 k).
    /// </summary>
    public const int RowGroupRows = 65_536;

    public static string StateSummaryKey(LoadedJob job) => $"dativo.state.{job.Config.TenantId}.{job.Name}";

    public static async Task<IcebergTarget> OpenAsync(LoadedJob job, TargetLocation loc, TargetSchema contractSchema, TimeProvider time, CancellationToken ct)
    {
        var store = TargetStores.Open(job, loc.Warehouse);
        var catalog = Catalogs.Open(new CatalogOptions
        {
            Uri = job.Config.Target.Catalog is { } c && c.Contains("://", StringComparison.Ordinal) ? c : null,
            Warehouse = loc.Warehouse.Contains("://", StringComparison.Ordinal) ? null : loc.Warehouse,
        });
        try
        {
            var table = await OpenOrCreateAsync(job, catalog, store, loc, contractSchema, time, ct).ConfigureAwait(false);
            var t = new IcebergTarget(catalog, table, job, Options(job));
            await t.AlignAsync(job, contractSchema, ct).ConfigureAwait(false);
            return t;
        }
        catch
        {
            if (catalog is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Parquet settings of a job (file size, codec, row group rows); shared with the parquet dataset target.</summary>
    public static WriteOptions Options(LoadedJob job)
    {
        var sizeMb = job.Config.Target.TargetFileSizeMb ?? (int.TryParse(job.TargetRecipe.Options["target_file_size_mb"]?.ToString(), CultureInfo.InvariantCulture, out var mb) ? mb : 128);
        var compression = job.Config.Target.Compression ?? job.TargetRecipe.Options["compression"]?.ToString() ?? "zstd";
        return WriteOptions.FromProperties(new Dictionary<string, string> { ["write.parquet.compression-codec"] = compression }) with
        {
            TargetFileSizeBytes = sizeMb * 1024L * 1024L,
            RowGroupRows = RowGroupRows,
        };
    }

    private static Task<IcebergTable> OpenOrCreateAsync(LoadedJob job, ICatalog catalog, IObjectStore store, TargetLocation loc,
        TargetSchema contractSchema, TimeProvider time, CancellationToken ct) =>
        IcebergTableSetup.OpenOrCreateAsync(catalog, store, new TableIdentifier(loc.Namespace, loc.Table), contractSchema.ToIceberg(),
            ice => IcebergTableSetup.SpecFor(job, ice), TableProperties.Derive(job), time, ct);

    /// <summary>Adds contract columns the table lacks, sets the derived properties, and fixes the schema the coercer produces.</summary>
    private async Task AlignAsync(LoadedJob job, TargetSchema contractSchema, CancellationToken ct)
    {
        Schema = await IcebergTableSetup.AlignTableAsync(_table, contractSchema, TableProperties.Derive(job), ct).ConfigureAwait(false);
        _converter = new BatchConverter(Schema, _table.Schema);
    }

    public async Task WriteAsync(ColumnBatch batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        _writer ??= _table.NewDataWriter(_options);
        await _writer.WriteAsync(_converter.Convert(batch), ct).ConfigureAwait(false);
    }

    /// <summary>The table (the bulk path writes data files of it with DuckDB).</summary>
    public IcebergTable Table => _table;

    /// <summary>The job's Parquet settings (file size, codec), which the bulk path writes with too.</summary>
    public WriteOptions WriteOptions => _options;

    /// <summary>Data files written by another path (the bulk path), published with the next commit.</summary>
    public void AddFiles(IEnumerable<DataFile> files) => _added.AddRange(files);

    public async Task<CommitInfo> CommitAsync(string state, CancellationToken ct)
    {
        _commitStarted = true;
        List<DataFile> files = [.. _added, .. _writer is null ? [] : await _writer.CompleteAsync(ct).ConfigureAwait(false)];
        _bytes = files.Sum(f => f.FileSizeInBytes);
        _files = files.Count;
        var expected = _stateAtOpen;
        var marker = Guid.NewGuid().ToString("N");
        var commit = new FileCommit
        {
            Mode = _mode,
            Summary = new Dictionary<string, string>(StringComparer.Ordinal) { ["dativo.writer"] = "dativo-ingestion", [_commitKey] = marker },
            Properties = new Dictionary<string, string>(StringComparer.Ordinal) { [_stateKey] = state, [_commitKey] = marker },
            // the incremental claim is a compare-and-set on the state, in the same swap as the data: a run that read the
            // state another run has since replaced would load the same new data again
            Precondition = meta => StateOf(meta, _stateKey) == expected ? null :
                $"job {_job}: another run of this job committed to table {_table.Name} while this run was reading, so this run's rows " +
                "could duplicate what that run loaded; nothing from this run was committed. Run the job again: it loads only what is still new",
        };
        // a commit that certainly failed (a refusal included) deletes the files it was to add, in the lake
        var r = await _table.CommitFilesAsync(files, commit, ct).ConfigureAwait(false);
        _stateAtOpen = state;
        return new CommitInfo(r.SnapshotId!.Value.ToString(CultureInfo.InvariantCulture), r.AddedRecords, r.AddedDataFiles);
    }

    /// <summary>Bulk-path data files of a run that never reached its commit are referenced by nothing: removed now.</summary>
    private async Task DeleteUncommittedAsync(List<DataFile> files)
    {
        foreach (var f in files)
        {
            try { await _table.IO.Store.DeleteAsync(_table.IO.KeyOf(f.FilePath), CancellationToken.None).ConfigureAwait(false); }
            catch (IOException) { /* left as an orphan for table cleanup */ }
        }
    }

    private bool _commitStarted;

    public async ValueTask DisposeAsync()
    {
        // a run that fails or stops before its commit leaves no bulk-path files behind (the writer removes its own);
        // once a commit has started its outcome decides, and the lake removes what a failed commit wrote
        if (!_commitStarted && _added.Count > 0) await DeleteUncommittedAsync(_added).ConfigureAwait(false);
        if (_writer is not null) await _writer.DisposeAsync().ConfigureAwait(false);
        if (_catalog is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
    }
}
