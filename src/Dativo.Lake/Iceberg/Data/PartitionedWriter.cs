using System.Text;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>
/// Splits batches by partition, buffers rows into row groups and rolls files at the target size.
/// Files are written once; <see cref="CompleteAsync"/> returns their <c>data_file</c> entries.
/// <paramref name="fileKey"/> names a new file from its partition values (default: <c>tableKey/data/part=value/…</c>);
/// <paramref name="icebergNames"/>: see <see cref="ParquetSchemas.Schema"/>.
/// </summary>
internal sealed class PartitionedWriter(TableIO io, string tableKey, IcebergSchema schema, PartitionSpec spec, WriteOptions options,
    Func<object?[], string>? fileKey = null, bool icebergNames = true) : IAsyncDisposable
{
    private readonly Dictionary<string, PartitionState> _open = new(StringComparer.Ordinal);
    private readonly List<DataFile> _done = [];
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..16];
    private int _fileCount;
    private bool _handedOver;

    private sealed class PartitionState(object?[] values)
    {
        public object?[] Values { get; } = values;
        public List<RecordBatch> Buffered { get; } = [];
        public int BufferedRows { get; set; }
        public ParquetFileWriter? Writer { get; set; }
    }

    /// <summary>Adds rows; the batch's arrays are not kept after this returns, so the caller may reuse them.</summary>
    public async Task WriteAsync(RecordBatch batch, CancellationToken ct)
    {
        if (batch.RowCount == 0) return;
        if (spec.Fields.Count == 0)
        {
            await AddAsync(State([], ""), batch, ct);
            return;
        }
        var sources = spec.Fields.Select(f => Index(f.SourceId)).ToArray();
        var types = spec.Fields.Select(f => PartitionSpec.SourceType(schema, f)).ToArray();
        if (sources.All(c => ColumnTypes.AllSame(batch.Columns[c])))
        {
            // every row has the same source values (a run date, one file per day, ...): one partition, no per-row work
            var first = new object?[sources.Length];
            var k0 = new StringBuilder();
            for (var i = 0; i < sources.Length; i++)
            {
                first[i] = spec.Fields[i].Transform.Apply(types[i], batch.Value(sources[i], 0));
                AppendKey(k0, i, types[i], first[i]);
            }
            await AddAsync(State(first, k0.ToString()), batch, ct);
            return;
        }
        var groups = new Dictionary<string, (object?[] Values, List<int> Rows)>(StringComparer.Ordinal);
        var key = new StringBuilder();
        for (var row = 0; row < batch.RowCount; row++)
        {
            var values = new object?[sources.Length];
            key.Clear();
            for (var i = 0; i < sources.Length; i++)
            {
                values[i] = spec.Fields[i].Transform.Apply(types[i], batch.Value(sources[i], row));
                AppendKey(key, i, types[i], values[i]);
            }
            var k = key.ToString();
            if (!groups.TryGetValue(k, out var g)) groups[k] = g = (values, []);
            g.Rows.Add(row);
        }
        foreach (var (k, g) in groups)
        {
            var part = groups.Count == 1 ? batch : batch.Take([.. g.Rows], g.Rows.Count);
            await AddAsync(State(g.Values, k), part, ct);
        }
    }

    private void AppendKey(StringBuilder key, int field, PrimitiveType sourceType, object? value) =>
        key.Append(value is null ? "\u0001" : Convert.ToHexString(Conversions.ToBytes(spec.Fields[field].Transform.ResultType(sourceType), value))).Append('|');

    private int Index(int fieldId)
    {
        for (var i = 0; i < schema.Columns.Count; i++)
            if (schema.Columns[i].Id == fieldId) return i;
        throw new Core.Errors.DativoException($"partition source field {fieldId} is not a top-level column");
    }

    private PartitionState State(object?[] values, string key)
    {
        if (!_open.TryGetValue(key, out var s)) _open[key] = s = new PartitionState(values);
        return s;
    }

    private async Task AddAsync(PartitionState s, RecordBatch batch, CancellationToken ct)
    {
        var offset = 0;
        while (offset < batch.RowCount)
        {
            var take = Math.Min(batch.RowCount - offset, options.RowGroupRows - s.BufferedRows);
            var part = batch.Slice(offset, take);
            // callers may reuse their arrays once this returns: the whole batch, held for a later row group, is copied
            if (ReferenceEquals(part, batch) && s.BufferedRows + take < options.RowGroupRows) part = batch.Copy();
            s.Buffered.Add(part);
            s.BufferedRows += take;
            offset += take;
            if (s.BufferedRows >= options.RowGroupRows) await FlushAsync(s, ct);
        }
    }

    private async Task FlushAsync(PartitionState s, CancellationToken ct)
    {
        if (s.BufferedRows == 0) return;
        var rows = RecordBatch.Concat(s.Buffered);
        s.Buffered.Clear();
        s.BufferedRows = 0;
        if (s.Writer is null)
        {
            var dir = spec.Fields.Count == 0 ? "data" : "data/" + spec.PartitionPath(schema, s.Values);
            var key = fileKey?.Invoke(s.Values) ?? $"{tableKey}/{dir}/{_prefix}-{Interlocked.Increment(ref _fileCount):00000}.parquet";
            s.Writer = await ParquetFileWriter.CreateAsync(io.Store, key, schema, options, ct, icebergNames);
        }
        await s.Writer.WriteRowGroupAsync(rows, ct);
        if (s.Writer.BytesWritten >= options.TargetFileSizeBytes) await CloseFileAsync(s, ct);
    }

    private async Task CloseFileAsync(PartitionState s, CancellationToken ct)
    {
        var w = s.Writer!;
        s.Writer = null;
        DataFile file;
        try
        {
            file = await w.CompleteAsync(io.UriOf(w.Key), ct);
        }
        catch
        {
            await w.DisposeAsync();
            throw;
        }
        _done.Add(file with { SpecId = spec.SpecId, Partition = s.Values });
    }

    public async Task<IReadOnlyList<DataFile>> CompleteAsync(CancellationToken ct)
    {
        foreach (var s in _open.Values)
        {
            await FlushAsync(s, ct);
            if (s.Writer is not null) await CloseFileAsync(s, ct);
        }
        _open.Clear();
        _handedOver = true;
        return _done;
    }

    /// <summary>
    /// Discards the files being written and, unless <see cref="CompleteAsync"/> handed them to the caller, deletes the
    /// files already finished: a write that fails half-way (a full disk) must not leave gigabytes of orphans behind.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var s in _open.Values)
            if (s.Writer is not null) await s.Writer.DisposeAsync();
        _open.Clear();
        if (_handedOver) return;
        foreach (var f in _done)
        {
            try { await io.Store.DeleteAsync(io.KeyOf(f.FilePath), CancellationToken.None); }
            catch (Exception e) when (e is not OutOfMemoryException) { /* best effort: 'dativo table cleanup' removes what is left */ }
        }
        _done.Clear();
    }
}
