using System.Globalization;
using Dativo.Core.Tags;
using Dativo.Ingestion.Targets;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage;
using Dativo.Streaming.Buffering;
using Dativo.Streaming.Durability;
using Dativo.Streaming.Runtime;

namespace Dativo.Streaming.Delivery;

/// <summary>
/// <c>destination: {iceberg: …}</c>: each flushed buffer is one commit (one snapshot) to the table, which is created
/// from the contract when missing, with the contract's tags as table properties, through the lake's table API and
/// the ingestion's table setup. Exactly once: the flush identity — stream, version, buffer key and ordinal range,
/// all derived from the write-ahead log so a replay computes them again — goes into the snapshot summary in the same
/// catalog swap as the rows. A flush whose identity a snapshot already holds is not committed again (an attempt whose
/// answer was lost), and on a replay the outputs a snapshot of this stream already holds are skipped, so a crash
/// between the commit and the delivery log's record neither duplicates nor loses rows.
/// </summary>
internal sealed class IcebergSink(StreamSettings settings, IcebergDestinationSettings destination, ContractRecords contract, WriteOptions options,
    TimeProvider time) : IBufferSink
{
    public const string StreamKey = "dativo.stream.name";
    public const string PartitionKey = "dativo.stream.buffer";
    /// <summary><c>&lt;version&gt;:&lt;first ordinal&gt;-&lt;last ordinal&gt;</c> of the buffer.</summary>
    public const string FlushKey = "dativo.stream.flush";
    /// <summary>With a transformation or format conversion, the flush's exact ordinals: <c>first-last,first-last…</c>.</summary>
    public const string OrdinalsKey = "dativo.stream.ordinals";

    private readonly Dictionary<string, List<(long First, long Last)>> _committed = new(StringComparer.Ordinal);
    private readonly OrdinalRunSet _committedExact = new(); // whatever the buffer key: a replay may route elsewhere
    private ICatalog? _catalog;
    private IcebergTable? _table;
    private ContractRecords? _records;
    private BatchConverter? _converter;

    public string TableName => $"{destination.Namespace}.{destination.Table}";

    public async Task OpenAsync(CancellationToken ct)
    {
        var store = ObjectStores.Open(destination.Warehouse);
        _catalog = Catalogs.Open(new CatalogOptions
        {
            Uri = destination.Catalog,
            Warehouse = destination.Warehouse.Contains("://", StringComparison.Ordinal) ? null : destination.Warehouse,
        });
        var properties = new Dictionary<string, string>(TableProperties.ForContract(contract.Contract, "firehose"), StringComparer.Ordinal)
        {
            ["dativo.produced-by"] = $"dativo stream {settings.Name}",
        };
        var table = await IcebergTableSetup.OpenOrCreateAsync(_catalog, store, new TableIdentifier(destination.Namespace, destination.Table),
            contract.Schema.ToIceberg(), schema => new PartitionSpecBuilder(schema).Build(), properties, time, ct).ConfigureAwait(false);
        var aligned = await IcebergTableSetup.AlignTableAsync(table, contract.Schema, properties, ct).ConfigureAwait(false);
        _records = contract.WithSchema(aligned);
        _converter = new BatchConverter(aligned, table.Schema);
        _table = table;
        foreach (var s in table.Metadata.Snapshots)
        {
            if (Identity(s.Summary) is not ({ } partition, var first, var last)) continue;
            if (ExactOrdinals(s.Summary) is { } runs)
            {
                _committedExact.Add(runs);
                continue;
            }
            if (!_committed.TryGetValue(partition, out var list)) _committed[partition] = list = [];
            list.Add((first, last));
        }
    }

    public bool AlreadyDelivered(string? partition, long ordinal)
    {
        if (_committedExact.Contains(ordinal)) return true;
        if (partition is null || !_committed.TryGetValue(partition, out var list)) return false;
        foreach (var (first, last) in list)
            if (ordinal >= first && ordinal <= last) return true;
        return false;
    }

    public string? ObjectKeyOf(PartitionBuffer buffer) => null;

    public Task<(string Key, long Bytes)> DeliverAsync(PartitionBuffer buffer, CancellationToken ct) => DeliverAsync(buffer, null, ct);

    public async Task<(string Key, long Bytes)> DeliverAsync(PartitionBuffer buffer, long[]? exactOrdinals, CancellationToken ct)
    {
        var table = _table ?? throw new InvalidOperationException("the Iceberg destination is not open");
        var flush = Flush(buffer);
        await table.RefreshAsync(ct).ConfigureAwait(false);
        if (Committed(table.Metadata, buffer.Key, flush) is { } done) return ($"{table.Name}@{done.SnapshotId}", 0);

        await using var writer = table.NewDataWriter(options);
        await foreach (var converted in _records!.ConvertAsync(buffer.Records(), ct).ConfigureAwait(false))
        {
            ConversionCheck.EnsureNoMisfits(converted, buffer);
            await writer.WriteAsync(_converter!.Convert(converted.Rows), ct).ConfigureAwait(false);
        }
        var files = await writer.CompleteAsync(ct).ConfigureAwait(false);
        var summary = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["dativo.writer"] = "dativo-stream",
            [StreamKey] = settings.Name,
            [PartitionKey] = buffer.Key,
            [FlushKey] = flush,
        };
        if (exactOrdinals is not null) summary[OrdinalsKey] = FormatRuns(exactOrdinals);
        try
        {
            var result = await table.CommitFilesAsync(files, new FileCommit
            {
                Summary = summary,
                // checked on every state the commit is attempted on, in the same swap: never two snapshots of one flush
                Precondition = meta => Committed(meta, buffer.Key, flush) is { } s ? $"flush {flush} of stream {settings.Name} is already snapshot {s.SnapshotId}" : null,
            }, ct).ConfigureAwait(false);
            return ($"{table.Name}@{result.SnapshotId}", files.Sum(f => f.FileSizeInBytes));
        }
        catch (CommitRefusedException)
        {
            await table.RefreshAsync(ct).ConfigureAwait(false);
            if (Committed(table.Metadata, buffer.Key, flush) is { } s) return ($"{table.Name}@{s.SnapshotId}", 0);
            throw;
        }
    }

    private string Flush(PartitionBuffer b) =>
        string.Create(CultureInfo.InvariantCulture, $"{settings.Version}:{b.FirstOrdinal}-{b.LastOrdinal}");

    private Snapshot? Committed(TableMetadata meta, string partition, string flush) =>
        meta.Snapshots.FirstOrDefault(s => s.Summary.GetValueOrDefault(StreamKey) == settings.Name
            && s.Summary.GetValueOrDefault(PartitionKey) == partition && s.Summary.GetValueOrDefault(FlushKey) == flush);

    private static string FormatRuns(long[] runs)
    {
        var parts = new string[runs.Length / 2];
        for (var i = 0; i < parts.Length; i++) parts[i] = string.Create(CultureInfo.InvariantCulture, $"{runs[2 * i]}-{runs[2 * i + 1]}");
        return string.Join(',', parts);
    }

    /// <summary>The exact ordinals a snapshot's summary lists, or null (none, or not readable: the range counts then).</summary>
    private static long[]? ExactOrdinals(IReadOnlyDictionary<string, string> summary)
    {
        if (summary.GetValueOrDefault(OrdinalsKey) is not { Length: > 0 } text) return null;
        var runs = new List<long>();
        foreach (var part in text.Split(','))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !long.TryParse(part.AsSpan(0, dash), CultureInfo.InvariantCulture, out var first)
                || !long.TryParse(part.AsSpan(dash + 1), CultureInfo.InvariantCulture, out var last)) return null;
            runs.Add(first);
            runs.Add(last);
        }
        return [.. runs];
    }

    /// <summary>The buffer key and ordinal range a snapshot of this stream (and version) committed, or null.</summary>
    private (string? Partition, long First, long Last) Identity(IReadOnlyDictionary<string, string> summary)
    {
        if (summary.GetValueOrDefault(StreamKey) != settings.Name || summary.GetValueOrDefault(PartitionKey) is not { } partition
            || summary.GetValueOrDefault(FlushKey) is not { } flush) return (null, 0, 0);
        var colon = flush.IndexOf(':', StringComparison.Ordinal);
        var dash = flush.IndexOf('-', colon + 1);
        if (colon < 0 || dash < 0
            || !int.TryParse(flush.AsSpan(0, colon), CultureInfo.InvariantCulture, out var version) || version != settings.Version
            || !long.TryParse(flush.AsSpan(colon + 1, dash - colon - 1), CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(flush.AsSpan(dash + 1), CultureInfo.InvariantCulture, out var last)) return (null, 0, 0);
        return (partition, first, last);
    }

    public async ValueTask DisposeAsync()
    {
        if (_catalog is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
        _catalog = null;
    }
}
