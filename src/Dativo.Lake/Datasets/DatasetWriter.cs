using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Datasets;

/// <summary>Settings of one write to a <see cref="ParquetDataset"/>.</summary>
public sealed record DatasetWriteOptions
{
    public DatasetWriteMode Mode { get; init; } = DatasetWriteMode.Append;

    /// <summary>Partition columns (identity, Hive-style <c>col=value</c> folders, in this order).</summary>
    public IReadOnlyList<string> PartitionBy { get; init; } = [];

    /// <summary>Parquet settings (file size, row group rows, codec) shared with Iceberg tables.</summary>
    public WriteOptions File { get; init; } = new();

    /// <summary>Key/value metadata stored in the commit's manifest (<see cref="DatasetManifest.Properties"/>).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Checked against the published manifests before each publish attempt (a lost sequence race re-checks the newer
    /// state): a message refuses the commit with <see cref="CommitRefusedException"/> and nothing is published.
    /// </summary>
    public Func<IReadOnlyList<DatasetManifest>, string?>? Precondition { get; init; }
}

/// <summary>Result of a published write.</summary>
public sealed record DatasetCommit(long Sequence, string ManifestKey, DatasetWriteMode Mode, IReadOnlyList<DatasetFile> Files)
{
    public long RecordCount => Files.Sum(f => f.RecordCount);
}

/// <summary>
/// One write: <see cref="WriteAsync"/> writes Parquet files at their final <c>col=value/part-&lt;uuid&gt;.parquet</c> names
/// (unique, never overwritten, invisible to readers); <see cref="CommitAsync"/> publishes them all at once with a manifest.
/// Disposing without committing (or a crash) leaves unpublished files that the orphan cleanup removes.
/// </summary>
public sealed class DatasetWriter : IAsyncDisposable
{
    private readonly ParquetDataset _dataset;
    private readonly IcebergSchema _schema;
    private readonly DatasetWriteOptions _options;
    private readonly PartitionedWriter _writer;
    private readonly PrimitiveType[] _partitionTypes;
    private bool _committed;

    internal DatasetWriter(ParquetDataset dataset, IcebergSchema schema, DatasetWriteOptions options)
    {
        _dataset = dataset;
        _schema = schema;
        _options = options;
        var builder = new PartitionSpecBuilder(schema);
        foreach (var c in options.PartitionBy) builder.Identity(c);
        var spec = builder.Build();
        _partitionTypes = [.. options.PartitionBy.Select(c => (PrimitiveType)schema.FindField(c)!.Type)];
        _writer = new PartitionedWriter(new TableIO(dataset.Store), dataset.Prefix, schema, spec, options.File,
            values => dataset.Key(PartitionPath(values) is { Length: > 0 } p ? $"{p}/part-{Guid.NewGuid():N}.parquet" : $"part-{Guid.NewGuid():N}.parquet"),
            icebergNames: false); // a dataset is read by column name: its columns keep the names it was given
    }

    /// <summary>Test hook: runs after the files are written and before the manifest is published.</summary>
    internal Func<CancellationToken, Task>? BeforePublish { get; set; }

    private string PartitionPath(IReadOnlyList<object?> values) =>
        string.Join('/', _options.PartitionBy.Select((c, i) => HivePaths.Segment(c, HivePaths.ValueString(_partitionTypes[i], values[i]))));

    public Task WriteAsync(RecordBatch batch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!ReferenceEquals(batch.Schema, _schema) && !SameColumns(batch.Schema, _schema))
            throw new DativoException("record batch schema differs from the dataset write schema");
        return _writer.WriteAsync(batch, ct);
    }

    private static bool SameColumns(IcebergSchema a, IcebergSchema b) =>
        a.Columns.Count == b.Columns.Count && a.Columns.Zip(b.Columns).All(p => p.First.Name == p.Second.Name && p.First.Type.Equals(p.Second.Type));

    /// <summary>Finishes the files and publishes them as the next manifest (retrying on a lost sequence race).</summary>
    public Task<DatasetCommit> CommitAsync(CancellationToken ct = default) => CommitAsync(null, ct);

    /// <summary>
    /// Like <see cref="CommitAsync(CancellationToken)"/>, with <paramref name="properties"/> added to the options' properties
    /// in the manifest: metadata known only at commit time (e.g. the position a reader reached) becomes visible with the data.
    /// </summary>
    public async Task<DatasetCommit> CommitAsync(IReadOnlyDictionary<string, string>? properties, CancellationToken ct = default)
    {
        if (_committed) throw new InvalidOperationException("already committed");
        _committed = true;
        var written = await _writer.CompleteAsync(ct);
        var files = written.Select(f => new DatasetFile(
            _dataset.Relative(_dataset.Store.TryKeyOf(f.FilePath) ?? throw new InvalidOperationException($"{f.FilePath} is outside the store")),
            PartitionPath(f.Partition),
            f.RecordCount,
            f.FileSizeInBytes)).ToList();
        List<string> replaced = _options.Mode == DatasetWriteMode.Append ? [] :
            _options.PartitionBy.Count == 0 ? [""] : [.. files.Select(f => f.Partition).Distinct(StringComparer.Ordinal)];
        if (BeforePublish is { } hook) await hook(ct);
        var props = new Dictionary<string, string>(_options.Properties, StringComparer.Ordinal);
        if (properties is not null) foreach (var (k, v) in properties) props[k] = v;
        return await _dataset.PublishAsync(_schema, _options, replaced, files, props, ct);
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
