using Dativo.Ingestion.Targets;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Storage;
using Dativo.Streaming.Buffering;

namespace Dativo.Streaming.Delivery;

/// <summary>
/// record_format_conversion to objects: each buffer becomes one Parquet file <c>&lt;object key&gt;.parquet</c> with the
/// contract's columns, written by the lake's Parquet writer (the one Iceberg tables and datasets are written with).
/// The key derives from the buffer's first record, as for raw objects, so a replay overwrites the file.
/// </summary>
internal sealed class ParquetObjectSink(RawObjectSink objects, IObjectStore store, ContractRecords records, WriteOptions options) : IBufferSink
{
    public const string Extension = ".parquet";

    private readonly Lake.Iceberg.Types.IcebergSchema _schema = records.Schema.ToIceberg();

    public Task OpenAsync(CancellationToken ct) => Task.CompletedTask;

    public bool AlreadyDelivered(string? partition, long ordinal) => false;

    public string ObjectKeyOf(PartitionBuffer buffer) => objects.KeyFor(buffer) + Extension;

    public async Task<(string Key, long Bytes)> DeliverAsync(PartitionBuffer buffer, CancellationToken ct)
    {
        var key = ObjectKeyOf(buffer);
        var converter = new BatchConverter(records.Schema, _schema);
        // a dataset-style file: read by column name, so the columns keep the contract's names
        await using var writer = await ParquetFileWriter.CreateAsync(store, key, _schema, options, ct, icebergNames: false).ConfigureAwait(false);
        await foreach (var converted in records.ConvertAsync(buffer.Records(), ct).ConfigureAwait(false))
        {
            ConversionCheck.EnsureNoMisfits(converted, buffer);
            await writer.WriteRowGroupAsync(converter.Convert(converted.Rows), ct).ConfigureAwait(false);
        }
        var file = await writer.CompleteAsync(store.UriOf(key), ct).ConfigureAwait(false);
        return (key, file.FileSizeInBytes);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
