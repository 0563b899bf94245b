using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>
/// Streams batches into data files of a table (partitioned by its default spec, row groups of
/// <see cref="WriteOptions.RowGroupRows"/>, files rolled at <see cref="WriteOptions.TargetFileSizeBytes"/>) without
/// committing them: pass the result of <see cref="CompleteAsync"/> to <see cref="IcebergTable.AppendFilesAsync(IReadOnlyList{DataFile}, IReadOnlyDictionary{string, string}?, CancellationToken)"/>.
/// A writer disposed without being completed deletes the files it wrote (best effort); after <see cref="CompleteAsync"/>
/// the files belong to the commit they are passed to, which deletes them if it fails.
/// </summary>
public sealed class TableDataWriter : IAsyncDisposable
{
    private readonly IcebergTable _table;
    private readonly PartitionedWriter _writer;
    private bool _completed;

    internal TableDataWriter(IcebergTable table, WriteOptions options)
    {
        _table = table;
        _writer = new PartitionedWriter(table.IO, table.TableKey, table.Schema, table.Spec, options);
    }

    /// <summary>Rows accepted so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds a batch built with the table's current schema (<see cref="IcebergTable.Schema"/>); its arrays are not kept after this returns.</summary>
    public async Task WriteAsync(RecordBatch batch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_completed, this);
        _table.CheckBatch(batch);
        await _writer.WriteAsync(batch, ct);
        Rows += batch.RowCount;
    }

    /// <summary>Flushes buffered rows and closes every file; returns their <c>data_file</c> entries.</summary>
    public async Task<IReadOnlyList<DataFile>> CompleteAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var files = await _writer.CompleteAsync(ct);
        _completed = true;
        return files;
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
