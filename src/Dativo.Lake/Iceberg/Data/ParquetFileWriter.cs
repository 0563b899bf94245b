using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage;
using ParquetSharp;
using ParquetSharp.IO;
using NativeWriter = ParquetSharp.ParquetFileWriter;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Writes one Parquet data file (parquet-cpp through ParquetSharp) to an object store and collects its Iceberg metrics.</summary>
internal sealed class ParquetFileWriter : IAsyncDisposable
{
    private readonly IObjectWriter _target;
    private readonly CountingStream _stream;
    private readonly ManagedOutputStream _output;
    private readonly NativeWriter _writer;
    private readonly ColumnStats[] _stats;
    private readonly IcebergSchema _schema;
    private readonly List<long> _splitOffsets = [];
    private readonly long[] _columnSizes;
    private bool _done;
    private bool _nativeClosed;
    private bool _copied;

    private ParquetFileWriter(IObjectWriter target, CountingStream stream, ManagedOutputStream output, NativeWriter writer, IcebergSchema schema, string key)
    {
        _target = target;
        _stream = stream;
        _output = output;
        _writer = writer;
        _schema = schema;
        Key = key;
        _stats = [.. schema.Columns.Select(c => new ColumnStats((PrimitiveType)c.Type))];
        _columnSizes = new long[_stats.Length];
    }

    public string Key { get; }

    public long RecordCount { get; private set; }

    public long BytesWritten => _stream.Position;

    /// <summary>Starts a file; <paramref name="icebergNames"/>: see <see cref="ParquetSchemas.Schema"/>.</summary>
    public static async Task<ParquetFileWriter> CreateAsync(IObjectStore store, string key, IcebergSchema schema, WriteOptions options, CancellationToken ct,
        bool icebergNames = true)
    {
        var target = await store.OpenWriteAsync(key, ct);
        ManagedOutputStream? output = null;
        try
        {
            var stream = new CountingStream(target.Stream);
            output = new ManagedOutputStream(stream, leaveOpen: true);
            using var root = ParquetSchemas.Schema(schema, icebergNames);
            using var props = Properties(options);
            var metadata = new Dictionary<string, string> { ["iceberg.schema"] = TypeJson.SchemaToJson(schema).ToJsonString() };
            var writer = new NativeWriter(output, root, props, metadata);
            return new ParquetFileWriter(target, stream, output, writer, schema, key);
        }
        catch
        {
            output?.Dispose();
            await target.DisposeAsync();
            throw;
        }
    }

    private static WriterProperties Properties(WriteOptions options)
    {
        using var b = new WriterPropertiesBuilder();
        // PLAIN + zstd, as Parquet.Net wrote: on the ingestion benchmark's rows parquet-cpp's default dictionary encoding
        // made files 2.8× larger (a 1 MiB dictionary page per high-cardinality column chunk) and cost 50 % more CPU
        b.DisableDictionary();
        b.Compression(options.Compression);
        if (options.CodecLevel() is { } level) b.CompressionLevel(level);
        // one row group per WriteRowGroupAsync call, whatever its size
        b.MaxRowGroupLength(long.MaxValue);
        return b.Build();
    }

    /// <summary>Writes the batch as one row group.</summary>
    public async Task WriteRowGroupAsync(RecordBatch batch, CancellationToken ct)
    {
        if (batch.RowCount == 0) return;
        // everything before this row group has been drained, so the position is where its first column chunk starts
        _splitOffsets.Add(_stream.Position);
        // metrics are computed on another core while parquet-cpp encodes the columns
        var stats = Task.Run(() =>
        {
            for (var i = 0; i < _stats.Length; i++) _stats[i].Update(batch.Columns[i]);
        }, ct);
        try
        {
            // ParquetSharp's row group and column writers own nothing to dispose; Close writes the column chunk
            var rg = _writer.AppendRowGroup();
            for (var i = 0; i < _stats.Length; i++)
            {
                var field = _schema.Columns[i];
                var start = _stream.Position;
                var column = rg.NextColumn();
                ParquetColumns.Write(column, (PrimitiveType)field.Type, !field.Required, batch.Columns[i]);
                column.Close();
                _columnSizes[i] += _stream.Position - start; // the whole chunk (pages and their headers) is out once it is closed
                await _stream.DrainAsync(ct);
            }
            rg.Close();
        }
        finally
        {
            await stats;
        }
        RecordCount += batch.RowCount;
    }

    /// <summary>
    /// Copies row group <paramref name="index"/> of <paramref name="source"/> — a file with the same columns in the same
    /// order, written by another writer — as one row group of this file (see <see cref="ParquetColumnCopy"/>). The
    /// values are not looked at: the file's entry then carries no value counts or bounds (the caller has them).
    /// </summary>
    public async Task CopyRowGroupAsync(ParquetSharp.ParquetFileReader source, int index, CancellationToken ct)
    {
        using var group = source.RowGroup(index);
        var rows = group.MetaData.NumRows;
        if (rows == 0) return;
        if (group.MetaData.NumColumns != _stats.Length)
            throw new InvalidOperationException($"the source has {group.MetaData.NumColumns} columns, the schema {_stats.Length}");
        _copied = true;
        _splitOffsets.Add(_stream.Position);
        var rg = _writer.AppendRowGroup();
        for (var i = 0; i < _stats.Length; i++)
        {
            using var reader = group.Column(i);
            var start = _stream.Position;
            var column = rg.NextColumn();
            ParquetColumnCopy.Copy(reader, column, _schema.Columns[i]);
            column.Close();
            _columnSizes[i] += _stream.Position - start;
            await _stream.DrainAsync(ct);
        }
        rg.Close();
        RecordCount += rows;
    }

    /// <summary>Finishes the file, makes it visible, and returns its data_file entry (partition filled by the caller).</summary>
    public async Task<DataFile> CompleteAsync(string uri, CancellationToken ct)
    {
        _writer.Close();
        CloseNative();
        await _stream.DrainAsync(ct);
        await _stream.FlushAsync(ct);
        var size = _stream.Position;
        await _target.CommitAsync(ct);
        _done = true;
        await _target.DisposeAsync();
        var lower = new Dictionary<int, byte[]>();
        var upper = new Dictionary<int, byte[]>();
        var nans = new Dictionary<int, long>();
        for (var i = 0; i < _stats.Length; i++)
        {
            var id = _schema.Columns[i].Id;
            if (_stats[i].LowerBound() is { } lo) lower[id] = lo;
            if (_stats[i].UpperBound() is { } hi) upper[id] = hi;
            if (_schema.Columns[i].Type.Id is TypeId.Float or TypeId.Double) nans[id] = _stats[i].NaNs;
        }
        var file = new DataFile
        {
            FilePath = uri,
            FileFormat = "parquet",
            RecordCount = RecordCount,
            FileSizeInBytes = size,
            ColumnSizes = _schema.Columns.Select((c, i) => (c.Id, _columnSizes[i])).ToDictionary(x => x.Id, x => x.Item2),
            SplitOffsets = _splitOffsets,
            SortOrderId = 0,
        };
        return _copied ? file : file with
        {
            ValueCounts = _schema.Columns.Select((c, i) => (c.Id, _stats[i].Values)).ToDictionary(x => x.Id, x => x.Values),
            NullValueCounts = _schema.Columns.Select((c, i) => (c.Id, _stats[i].Nulls)).ToDictionary(x => x.Id, x => x.Nulls),
            NanValueCounts = nans.Count == 0 ? null : nans,
            LowerBounds = lower,
            UpperBounds = upper,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_done) return;
        _done = true;
        CloseNative(); // parquet-cpp closes an unclosed file quietly; the bytes are dropped with the upload
        _stream.Discard();
        await _target.DisposeAsync();
    }

    private void CloseNative()
    {
        if (_nativeClosed) return;
        _nativeClosed = true;
        _writer.Dispose();
        _output.Dispose();
    }
}
