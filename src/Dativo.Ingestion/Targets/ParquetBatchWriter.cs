using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Parquet;
using Parquet.Schema;

namespace Dativo.Ingestion.Targets;

/// <summary>
/// Writes column batches as row groups of one Parquet file, with Iceberg field ids on every column
/// (so Iceberg readers resolve columns by id), and keeps the per-column counts a data file entry needs.
/// </summary>
internal sealed class ParquetBatchWriter : IAsyncDisposable
{
    private readonly TargetSchema _schema;
    private readonly DataField[] _fields;
    private readonly Stream _stream;
    private ParquetWriter? _writer;
    private readonly ParquetSchema _parquetSchema;
    private readonly CompressionMethod _compression;

    public ParquetBatchWriter(TargetSchema schema, Stream stream, string compression = "zstd")
    {
        _schema = schema;
        _stream = stream;
        _fields = [.. schema.Columns.Select(FieldOf)];
        _parquetSchema = new ParquetSchema(_fields);
        _compression = compression.ToLowerInvariant() switch
        {
            "snappy" => CompressionMethod.Snappy,
            "gzip" => CompressionMethod.Gzip,
            "none" or "uncompressed" => CompressionMethod.None,
            "lz4" => CompressionMethod.Lz4Raw,
            _ => CompressionMethod.Zstd,
        };
        NullCounts = new long[_fields.Length];
    }

    public long Rows { get; private set; }

    /// <summary>Null values per column (target schema order).</summary>
    public long[] NullCounts { get; }

    /// <summary>Bytes written so far (approximate until disposed).</summary>
    public long Position => _stream.CanSeek ? _stream.Position : 0;

    public static DataField FieldOf(TargetColumn c)
    {
        var nullable = !c.Required;
        DataField f = c.Kind switch
        {
            ColumnKind.Long => new DataField<long>(c.Name, nullable),
            ColumnKind.Int => new DataField<int>(c.Name, nullable),
            ColumnKind.Double => new DataField<double>(c.Name, nullable),
            ColumnKind.Decimal => new DecimalDataField(c.Name, c.Precision, c.Scale, forceByteArrayEncoding: true, isNullable: nullable),
            ColumnKind.Boolean => new DataField<bool>(c.Name, nullable),
            ColumnKind.Date => new DataField<DateOnly>(c.Name, nullable),
            ColumnKind.Timestamp => new DateTimeDataField(c.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, unit: DateTimeTimeUnit.Micros, isNullable: nullable),
            ColumnKind.TimestampTz => new DateTimeDataField(c.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: nullable),
            ColumnKind.Time => new TimeDataField(c.Name, TimeUnitPrecision.Micros, nullable),
            ColumnKind.Binary => new DataField<byte[]>(c.Name, nullable),
            _ => new DataField<string>(c.Name, nullable),
        };
        f.FieldId = c.FieldId;
        return f;
    }

    public async Task WriteAsync(ColumnBatch batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        _writer ??= await ParquetWriter.CreateAsync(_parquetSchema, _stream, new ParquetOptions { CompressionMethod = _compression }, cancellationToken: ct).ConfigureAwait(false);
        using var rg = _writer.CreateRowGroup();
        var n = batch.Count;
        for (var c = 0; c < _fields.Length; c++)
        {
            var f = _fields[c];
            var data = batch.Data[c];
            NullCounts[c] += CountNulls(data, n);
            switch (data)
            {
                case long?[] a: await Write(rg, f, a, n, ct).ConfigureAwait(false); break;
                case int?[] a: await Write(rg, f, a, n, ct).ConfigureAwait(false); break;
                case double?[] a: await Write(rg, f, a, n, ct).ConfigureAwait(false); break;
                case decimal?[] a: await Write(rg, f, a, n, ct).ConfigureAwait(false); break;
                case bool?[] a: await Write(rg, f, a, n, ct).ConfigureAwait(false); break;
                case DateOnly?[] a: await Write(rg, f, a, n, ct).ConfigureAwait(false); break;
                case DateTime?[] a: await Write(rg, f, a, n, ct).ConfigureAwait(false); break;
                case TimeSpan?[] a: await Write(rg, f, a, n, ct).ConfigureAwait(false); break;
                case string?[] a: await rg.WriteAsync(f, new ArraySegment<string?>(a, 0, n)!, null).ConfigureAwait(false); break;
                case byte[]?[] a: await rg.WriteAsync(f, new ArraySegment<byte[]?>(a, 0, n)!, null).ConfigureAwait(false); break;
            }
        }
        Rows += n;
    }

    private static Task Write<T>(ParquetRowGroupWriter rg, DataField f, T?[] a, int n, CancellationToken ct) where T : struct
    {
        if (f.IsNullable) return rg.WriteAsync(f, new ReadOnlyMemory<T?>(a, 0, n), null, null, ct);
        var dense = new T[n];
        for (var i = 0; i < n; i++) dense[i] = a[i].GetValueOrDefault();
        return rg.WriteAsync(f, new ReadOnlyMemory<T>(dense), null, null, ct);
    }

    private static long CountNulls(Array a, int n) => a switch
    {
        long?[] x => Nulls(x, n),
        int?[] x => Nulls(x, n),
        double?[] x => Nulls(x, n),
        decimal?[] x => Nulls(x, n),
        bool?[] x => Nulls(x, n),
        DateOnly?[] x => Nulls(x, n),
        DateTime?[] x => Nulls(x, n),
        TimeSpan?[] x => Nulls(x, n),
        object?[] x => RefNulls(x, n),
        _ => 0,
    };

    private static long RefNulls(object?[] a, int n)
    {
        long k = 0;
        for (var i = 0; i < n; i++) if (a[i] is null) k++;
        return k;
    }

    private static long Nulls<T>(T?[] a, int n) where T : struct
    {
        long k = 0;
        for (var i = 0; i < n; i++) if (!a[i].HasValue) k++;
        return k;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is null)
            _writer = await ParquetWriter.CreateAsync(_parquetSchema, _stream, new ParquetOptions { CompressionMethod = _compression }).ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
    }
}
