using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage;
using Parquet;
using Parquet.Schema;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Writes one Parquet data file to an object store and collects its Iceberg metrics.</summary>
internal sealed class ParquetFileWriter : IAsyncDisposable
{
    private readonly IObjectWriter _target;
    private readonly CountingStream _stream;
    private readonly ParquetWriter _writer;
    private readonly DataField[] _fields;
    private readonly ColumnStats[] _stats;
    private readonly IcebergSchema _schema;
    private readonly List<long> _splitOffsets = [];
    private bool _done;

    private ParquetFileWriter(IObjectWriter target, CountingStream stream, ParquetWriter writer, DataField[] fields, IcebergSchema schema, string key)
    {
        _target = target;
        _stream = stream;
        _writer = writer;
        _fields = fields;
        _schema = schema;
        Key = key;
        _stats = [.. schema.Columns.Select(c => new ColumnStats((PrimitiveType)c.Type))];
    }

    public string Key { get; }

    private IReadOnlySet<string> BadStatisticsColumns => _schema.Columns
        .Where(c => c.Type.Id is TypeId.Timestamp or TypeId.TimestampTz or TypeId.Uuid)
        .Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

    public long RecordCount { get; private set; }

    public long BytesWritten => _stream.Position;

    public static async Task<ParquetFileWriter> CreateAsync(IObjectStore store, string key, IcebergSchema schema, WriteOptions options, CancellationToken ct)
    {
        var fields = schema.Columns.Select(ParquetSchemas.Field).ToArray();
        var target = await store.OpenWriteAsync(key, ct);
        try
        {
            var stream = new CountingStream(target.Stream);
            var po = new ParquetOptions { CompressionMethod = options.Compression, CompressionLevel = options.CompressionLevel, DictionaryEncodingSampleSize = 8192 };
            var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, po, append: false, ct);
            writer.CustomMetadata = new Dictionary<string, string> { ["iceberg.schema"] = TypeJson.SchemaToJson(schema).ToJsonString() };
            return new ParquetFileWriter(target, stream, writer, fields, schema, key);
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes the batch as one row group.</summary>
    public async Task WriteRowGroupAsync(RecordBatch batch, CancellationToken ct)
    {
        if (batch.RowCount == 0) return;
        _splitOffsets.Add(Math.Max(4, _stream.Position));
        // metrics are computed on another core while Parquet.Net encodes the columns
        var stats = Task.Run(() =>
        {
            for (var i = 0; i < _fields.Length; i++) _stats[i].Update(batch.Columns[i]);
        }, ct);
        try
        {
            using var rg = _writer.CreateRowGroup();
            for (var i = 0; i < _fields.Length; i++)
                await ParquetColumns.WriteAsync(rg, _fields[i], batch.Columns[i], ct);
        }
        finally
        {
            await stats;
        }
        RecordCount += batch.RowCount;
    }

    /// <summary>Finishes the file, makes it visible, and returns its data_file entry (partition filled by the caller).</summary>
    public async Task<DataFile> CompleteAsync(string uri, CancellationToken ct)
    {
        _done = true;
        // the footer is written on dispose: capture it to drop statistics Parquet.Net gets wrong
        _stream.BeginCapture();
        await _writer.DisposeAsync();
        var tail = ParquetFooterFix.StripStatistics(_stream.EndCapture(), BadStatisticsColumns);
        await _stream.WriteAsync(tail, ct);
        await _stream.FlushAsync(ct);
        var size = _stream.Position;
        await _target.CommitAsync(ct);
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
        return new DataFile
        {
            FilePath = uri,
            FileFormat = "parquet",
            RecordCount = RecordCount,
            FileSizeInBytes = size,
            ValueCounts = _schema.Columns.Select((c, i) => (c.Id, _stats[i].Values)).ToDictionary(x => x.Id, x => x.Values),
            NullValueCounts = _schema.Columns.Select((c, i) => (c.Id, _stats[i].Nulls)).ToDictionary(x => x.Id, x => x.Nulls),
            NanValueCounts = nans.Count == 0 ? null : nans,
            LowerBounds = lower,
            UpperBounds = upper,
            SplitOffsets = _splitOffsets,
            SortOrderId = 0,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_done) return;
        _done = true;
        try { await _writer.DisposeAsync(); } catch (IOException) { } catch (InvalidOperationException) { }
        await _target.DisposeAsync();
    }
}
