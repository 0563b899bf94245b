using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Targets;

/// <summary>One Parquet data file being written to an object store; invisible until completed.</summary>
internal sealed class DataFileSink : IAsyncDisposable
{
    private readonly IObjectWriter _out;
    private readonly ParquetBatchWriter _writer;

    private DataFileSink(string key, IObjectWriter output, ParquetBatchWriter writer)
    {
        Key = key;
        _out = output;
        _writer = writer;
    }

    public string Key { get; }
    public long Rows => _writer.Rows;
    public long Bytes => _writer.Position;
    public long[] NullCounts => _writer.NullCounts;

    public static async Task<DataFileSink> OpenAsync(IObjectStore store, string key, TargetSchema schema, string compression, CancellationToken ct)
    {
        var w = await store.OpenWriteAsync(key, ct).ConfigureAwait(false);
        return new DataFileSink(key, w, new ParquetBatchWriter(schema, w.Stream, compression));
    }

    public Task WriteAsync(ColumnBatch b, CancellationToken ct) => _writer.WriteAsync(b, ct);

    /// <summary>Finishes the file and makes it visible; returns its size.</summary>
    public async Task<long> CompleteAsync(CancellationToken ct)
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        var size = _out.Stream.CanSeek ? _out.Stream.Length : _writer.Position;
        await _out.CommitAsync(ct).ConfigureAwait(false);
        await _out.DisposeAsync().ConfigureAwait(false);
        return size;
    }

    public ValueTask DisposeAsync() => _out.DisposeAsync();
}
