using System.Globalization;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Core.Tags;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Dativo.Lake.Datasets;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Ingestion.Targets;

/// <summary>
/// Writes a Hive-style Parquet dataset (<c>&lt;warehouse&gt;/&lt;namespace&gt;/&lt;table&gt;/col=value/part-&lt;uuid&gt;.parquet</c>) through
/// the lake's <see cref="ParquetDataset"/>: files stream out under their final names and become visible with one manifest.
/// The job state and the derived governance tags travel in that manifest's <c>properties</c>, so data and state are
/// published together, as with the Iceberg target's snapshot summary.
/// </summary>
internal sealed class ParquetDatasetTarget : ITableTarget
{
    public const string AppendMode = "append";
    public const string OverwritePartitionsMode = "overwrite_partitions";

    private readonly ParquetDataset _dataset;
    private readonly string _display;
    private readonly string _stateKey;
    private readonly DatasetWriteOptions _options;
    private readonly IcebergSchema _schema;
    private readonly BatchConverter _converter;
    private DatasetWriter? _writer;
    private long _bytes;
    private int _files;

    private ParquetDatasetTarget(ParquetDataset dataset, string display, string stateKey, DatasetWriteOptions options, TargetSchema schema, string? committed)
    {
        _dataset = dataset;
        _display = display;
        _stateKey = stateKey;
        _options = options;
        Schema = schema;
        _schema = schema.ToIceberg();
        _converter = new BatchConverter(schema, _schema);
        CommittedState = committed;
    }

    public string Display => _display;
    public TargetSchema Schema { get; }
    public string? CommittedState { get; private set; }
    public long BytesWritten => _bytes;
    public int FilesWritten => _files;

    public static async Task<ParquetDatasetTarget> OpenAsync(LoadedJob job, TargetLocation loc, TargetSchema contractSchema, TimeProvider time, CancellationToken ct)
    {
        var store = TargetStores.Open(job, loc.Warehouse); // on S3: every data file and manifest gets the job's object tags
        var dataset = ParquetDataset.Open(store, loc.Key, time);
        var partitionBy = PartitionColumns(job);
        var manifests = await dataset.ManifestsAsync(ct).ConfigureAwait(false);
        if (manifests.Count > 0 && !manifests[^1].PartitionColumns.SequenceEqual(partitionBy, StringComparer.Ordinal))
            throw new DativoException($"{job.File}: dataset {dataset.Location} is partitioned by ({string.Join(", ", manifests[^1].PartitionColumns)}) " +
                $"but target.partitioning says ({string.Join(", ", partitionBy)}); a dataset keeps its partition columns: restore them or write to a new target.table");
        if (manifests.Count > 0) CheckTypes(job, dataset, manifests[^1].Schema, contractSchema);
        var stateKey = IcebergTarget.StateSummaryKey(job);
        var committed = ParquetDataset.LatestProperty(manifests, stateKey);
        var jobName = $"{job.Config.TenantId}/{job.Name}";
        var properties = new Dictionary<string, string>(TableProperties.Derive(job), StringComparer.Ordinal) { ["dativo.writer"] = "dativo-ingestion" };
        var options = new DatasetWriteOptions
        {
            Mode = ModeOf(job),
            PartitionBy = partitionBy,
            File = IcebergTarget.Options(job),
            Properties = properties,
            // the incremental claim is a compare-and-set on the state, as for Iceberg targets (see IcebergTarget.CommitAsync)
            Precondition = published => ParquetDataset.LatestProperty(published, stateKey) == committed ? null :
                $"job {jobName}: another run of this job published to dataset {dataset.Location} while this run was reading, so this " +
                "run's rows could duplicate what that run loaded; nothing from this run was published. Run the job again: it loads only what is still new",
        };
        return new ParquetDatasetTarget(dataset, dataset.Location, stateKey, options, contractSchema, committed);
    }

    /// <summary>
    /// Files of different commits are read together by column name (union by name), so a column may widen or narrow
    /// (int/long, float/double, decimal precision) and columns may come and go, but its type may not change otherwise.
    /// </summary>
    private static void CheckTypes(LoadedJob job, ParquetDataset dataset, IcebergSchema published, TargetSchema contract)
    {
        foreach (var c in contract.Columns)
        {
            if (published.Columns.FirstOrDefault(f => f.Name == c.Name) is not { } existing) continue;
            var want = TargetSchema.IcebergTypeOf(c);
            if (!IcebergTableSetup.Compatible(existing.Type, want) && !IcebergTableSetup.Compatible(want, existing.Type))
                throw new DativoException($"{job.File}: column '{c.Name}' is {existing.Type} in dataset {dataset.Location} but {want} in the contract; " +
                    "only int/long, float/double and decimal precision may change: add a new column or write to a new target.table");
        }
    }

    /// <summary>Identity partition columns (ingest_date is the generated column); the job validation refused transforms.</summary>
    public static IReadOnlyList<string> PartitionColumns(LoadedJob job) =>
        [.. job.Partitioning.Select(text => Partitioning.Parse(text) is { Transform: "identity" } p ? p.Column
            : throw new DativoException($"{job.File}: target.partitioning '{text}' is an Iceberg transform; a parquet dataset is partitioned by columns (and ingest_date) only"))];

    public static DatasetWriteMode ModeOf(LoadedJob job) => job.Config.Target.Mode?.Trim().ToLowerInvariant() switch
    {
        null or "" or AppendMode => DatasetWriteMode.Append,
        OverwritePartitionsMode => DatasetWriteMode.OverwritePartitions,
        var m => throw new DativoException($"{job.File}: target.mode '{m}' is not supported by the parquet target; use append or overwrite_partitions"),
    };

    public async Task WriteAsync(ColumnBatch batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        _writer ??= _dataset.NewWriter(_schema, _options);
        await _writer.WriteAsync(_converter.Convert(batch), ct).ConfigureAwait(false);
    }

    public async Task<CommitInfo> CommitAsync(string state, CancellationToken ct)
    {
        // no rows but a new state (e.g. only empty or rejected files): publish the state alone, as an append, because an
        // overwrite without files would replace nothing partitioned but everything in an unpartitioned dataset
        _writer ??= _dataset.NewWriter(_schema, _options with { Mode = DatasetWriteMode.Append });
        var c = await _writer.CommitAsync(new Dictionary<string, string>(StringComparer.Ordinal) { [_stateKey] = state }, ct).ConfigureAwait(false);
        CommittedState = state;
        _bytes = c.Files.Sum(f => f.SizeBytes);
        _files = c.Files.Count;
        return new CommitInfo(c.Sequence.ToString(CultureInfo.InvariantCulture), c.RecordCount, c.Files.Count);
    }

    public ValueTask DisposeAsync() => _writer?.DisposeAsync() ?? ValueTask.CompletedTask;
}
