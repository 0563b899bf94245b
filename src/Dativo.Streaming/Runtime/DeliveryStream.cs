using System.Threading.Channels;
using Dativo.Core.Errors;
using Dativo.Lake.Storage;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Table;
using Dativo.Streaming.Buffering;
using Dativo.Streaming.Delivery;
using Dativo.Streaming.Durability;
using Dativo.Streaming.Jq;
using Dativo.Streaming.Metrics;
using Dativo.Streaming.Prefixes;
using Dativo.Streaming.Processing;

namespace Dativo.Streaming.Runtime;

/// <summary>
/// One delivery stream: puts are acknowledged once in the write-ahead log; a single consumer runs the record pipeline
/// and fills the partition buffers; full or old buffers are delivered as objects in the background (a few at once, so
/// compression and the object store's syncs overlap with processing); delivered log segments are trimmed. On start the
/// log is replayed, skipping what the delivery log says already landed.
/// </summary>
public sealed class DeliveryStream : IAsyncDisposable
{
    private const int ReplayBatch = 1000;
    private const int ParallelDeliveries = 4;
    private static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);

    private readonly StreamSettings _settings;
    private readonly string _dir;
    private readonly TimeProvider _time;
    private readonly long _walBudget;
    private readonly long _walSegmentBytes;
    private readonly RecordProcessor _processor;
    private readonly PartitionBuffers _buffers;
    private readonly IObjectStore _store;
    private readonly IBufferSink _data;
    private readonly IBufferSink _errors;
    private readonly ConversionCheck? _conversion;
    private readonly Channel<object> _work = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _deliverySlots;
    private readonly HashSet<PartitionBuffer> _delivering = []; // taken from the buffers, not landed yet (lock it)
    private readonly List<Task> _deliveries = []; // used by the consumer only (or start/stop, when it does not run)
    private readonly Dictionary<string, string> _loggedPositions = new(StringComparer.Ordinal); // source → position (lock it)
    // when a replay may route a record elsewhere (see ExactOrdinals), the exact ordinals of each data buffer, by its key
    private readonly Dictionary<string, OrdinalRunBuilder>? _exactRuns;
    private long _outputPosition; // outputs of the log processed so far, in ordinal order (dropped ones included)
    private DeliveryLog? _deliveryLog;
    private WriteAheadLog? _wal;
    private Task? _consumer;
    private ITimer? _timer;
    private bool _replaying;
    private long _consumedSeq = -1;
    private long _oldestBufferedArrivalMs = long.MaxValue;
    private int _compactAt = 4096;

    internal DeliveryStream(StreamSettings settings, string dataDirectory, IObjectStore store, TimeProvider time, HttpClient http,
        string region, string accountId, long walBudgetBytes, long walSegmentBytes = 64L << 20)
    {
        _settings = settings;
        _dir = Path.Combine(dataDirectory, settings.Name);
        _time = time;
        _walBudget = walBudgetBytes;
        _walSegmentBytes = walSegmentBytes;
        Arn = $"arn:aws:firehose:{region}:{accountId}:deliverystream/{settings.Name}";
        var prefixes = StreamPrefixes.Create(settings.Name, settings.Prefix, settings.ErrorPrefix, settings.EnableDynamicPartitioning);
        JqQuery? jq = null;
        if (!string.IsNullOrWhiteSpace(settings.JqMetadataQuery))
        {
            try { jq = JqQuery.Parse(settings.JqMetadataQuery); }
            catch (FormatException e) { throw new DativoException($"stream '{settings.Name}': dynamic_partitioning_config.jq_metadata_query: {e.Message}"); }
        }
        var transformer = settings.Transformation is null ? null : new Transformer(settings.Transformation, Arn, region, http);
        _processor = new RecordProcessor(settings, prefixes, jq, transformer, time);
        _buffers = new PartitionBuffers(settings.BufferingSizeBytes, TimeSpan.FromSeconds(settings.BufferingIntervalSeconds), settings.MaxActivePartitions);
        _store = store;
        (_data, _errors, _conversion) = Sinks(settings, store, prefixes, time);
        if (ExactOrdinals(settings)) _exactRuns = new Dictionary<string, OrdinalRunBuilder>(StringComparer.Ordinal);
        // Iceberg commits of one stream go one at a time: the sink keeps the flushes it committed for replay, and
        // concurrent commits to one table would only retry each other.
        _deliverySlots = new SemaphoreSlim(settings.Iceberg is null ? ParallelDeliveries : 1);
        Metrics = new StreamMetrics(settings.Name)
        {
            DataFreshnessSeconds = () =>
            {
                var oldest = Interlocked.Read(ref _oldestBufferedArrivalMs);
                lock (_delivering)
                    foreach (var b in _delivering) oldest = Math.Min(oldest, b.OldestArrivalMs);
                return oldest == long.MaxValue ? 0 : Math.Max(0, (_time.GetUtcNow().ToUnixTimeMilliseconds() - oldest) / 1000.0);
            },
        };
    }

    public string Name => _settings.Name;

    public string Arn { get; }

    public StreamSettings Settings => _settings;

    public StreamMetrics Metrics { get; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>Called after each object lands (tests and the bench watch deliveries through it).</summary>
    public event Action<string, int>? ObjectDelivered;

    /// <summary>Test hook: runs after a buffer reached its destination and before the delivery log records it (a crash there).</summary>
    internal Func<Task>? DeliveredNotYetRecorded { get; set; }

    /// <summary>
    /// Whether a replay may send a record somewhere else than the first pass did: a transformation may answer another
    /// partition key, ProcessingFailed or Dropped; a format conversion's contract may have changed between runs. Then
    /// data objects are recorded with their exact ordinals, checked whatever the partition. De-aggregation, jq keys and
    /// prefixes are functions of the logged bytes and arrival time: the cheap per-partition ranges stay exact for them.
    /// </summary>
    internal static bool ExactOrdinals(StreamSettings settings) => settings.Transformation is not null || settings.FormatConversion is not null;

    /// <summary>Raw objects; with record_format_conversion Parquet objects or an Iceberg table (error records stay raw objects).</summary>
    private static (IBufferSink Data, IBufferSink Errors, ConversionCheck? Check) Sinks(StreamSettings settings, IObjectStore store, StreamPrefixes prefixes, TimeProvider time)
    {
        var raw = new RawObjectSink(store, settings);
        if (settings.FormatConversion is not { } conversion) return (raw, raw, null);
        var records = ContractRecords.For(conversion.Contract, settings.Name);
        var options = WriteOptions.FromProperties(new Dictionary<string, string> { ["write.parquet.compression-codec"] = conversion.ParquetCompression })
            with { RowGroupRows = ContractRecords.BatchRows };
        IBufferSink data = settings.Iceberg is { } table
            ? new IcebergSink(settings, table, records, options, time)
            : new ParquetObjectSink(raw, store, records, options);
        return (data, raw, new ConversionCheck(records, prefixes.ErrorPrefix, time));
    }

    /// <summary>Replays the write-ahead log, then starts accepting puts.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        CreatedAt = _time.GetUtcNow();
        await _data.OpenAsync(ct).ConfigureAwait(false);
        _deliveryLog = DeliveryLog.Open(_dir);
        await SettleUnfinishedWritesAsync(ct).ConfigureAwait(false);
        _replaying = true;
        var batch = new List<WalEntry>(ReplayBatch);
        _wal = await WriteAheadLog.OpenAsync(Path.Combine(_dir, "wal"), _walSegmentBytes, _walBudget,
            async e =>
            {
                if (e.IsMarker)
                {
                    var (source, position) = SourcePosition.Decode(e.Data.Span);
                    lock (_loggedPositions) _loggedPositions[source] = position; // in log order: the last one is the furthest
                    return;
                }
                batch.Add(e);
                if (batch.Count < ReplayBatch) return;
                await HandleAsync(batch, ct).ConfigureAwait(false);
                batch.Clear();
            },
            group => _work.Writer.TryWrite(group), ct).ConfigureAwait(false);
        if (batch.Count > 0) await HandleAsync(batch, ct).ConfigureAwait(false);
        await DeliveriesDoneAsync().ConfigureAwait(false);
        _replaying = false;
        if (_consumedSeq < 0) _consumedSeq = _wal.NextSeq - 1;
        TrimDelivered();
        _consumer = Task.Run(ConsumeAsync, CancellationToken.None);
        _timer = _time.CreateTimer(_ => _work.Writer.TryWrite(Tick.Instance), null, TickPeriod, TickPeriod);
    }

    /// <summary>
    /// Objects a crash left between their write and their delivery record: one that landed counts as delivered, so a
    /// replay that routes its records elsewhere does not deliver them twice; one that did not is delivered by the replay.
    /// </summary>
    private async Task SettleUnfinishedWritesAsync(CancellationToken ct)
    {
        foreach (var (partition, key, runs) in _deliveryLog!.UnfinishedWrites)
        {
            var landed = await _store.ExistsAsync(key, ct).ConfigureAwait(false);
            _deliveryLog.SettleWrite(partition, runs, landed);
        }
    }

    /// <summary>
    /// Appends the records to the log; completes with the first record's sequence number once they are durable.
    /// <paramref name="owner"/> (the records' memory, e.g. a pooled request buffer) is released once they are processed.
    /// </summary>
    /// <exception cref="WalFullException">the log is over its disk budget (the caller answers ServiceUnavailableException)</exception>
    internal async Task<long> PutAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, IDisposable? owner = null)
    {
        var wal = _wal;
        if (wal is null)
        {
            owner?.Dispose();
            throw new InvalidOperationException("the stream is not started");
        }
        long first;
        var count = records.Count;
        var bytes = 0L;
        foreach (var r in records) bytes += r.Length;
        try
        {
            first = await wal.AppendAsync(records, _time.GetUtcNow().ToUnixTimeMilliseconds(), owner).ConfigureAwait(false);
        }
        catch (WalFullException)
        {
            Metrics.Throttled(count);
            throw;
        }
        Metrics.Incoming(count, bytes); // not the records: their memory may be back in its pool once processed
        return first;
    }

    /// <summary>
    /// Appends records that carry their own arrival time (a Kinesis source: ApproximateArrivalTimestamp), in order, the
    /// same way as <see cref="PutAsync"/>. Returns how many of them, from the first, are durable: fewer than all when the
    /// log went over its disk budget (the caller retries the rest later). With <paramref name="source"/> and
    /// <paramref name="positions"/> (each record's position in its source, e.g. a shard's sequence numbers) the log
    /// also keeps, in the same sync as the records, how far that source was read: <see cref="LoggedPosition"/>.
    /// </summary>
    internal async Task<int> PutArrivedAsync(IReadOnlyList<(ReadOnlyMemory<byte> Data, long ArrivalMs)> records, string? source = null, IReadOnlyList<string>? positions = null)
    {
        var wal = _wal ?? throw new InvalidOperationException("the stream is not started");
        var appends = new List<(Task<long> Done, int Count, long Bytes)>();
        for (var i = 0; i < records.Count;)
        {
            var end = i + 1;
            while (end < records.Count && records[end].ArrivalMs == records[i].ArrivalMs) end++;
            var run = new ReadOnlyMemory<byte>[end - i];
            for (var j = i; j < end; j++) run[j - i] = records[j].Data;
            try
            {
                var marker = source is null || positions is null ? (ReadOnlyMemory<byte>?)null : SourcePosition.Encode(source, positions[end - 1]);
                appends.Add((wal.AppendAsync(run, records[i].ArrivalMs, marker: marker), run.Length, run.Sum(r => (long)r.Length)));
            }
            catch (WalFullException)
            {
                break;
            }
            i = end;
        }
        await Task.WhenAll(appends.Select(a => a.Done)).ConfigureAwait(false);
        var durable = appends.Sum(a => a.Count);
        if (source is not null && positions is not null && durable > 0)
            lock (_loggedPositions) _loggedPositions[source] = positions[durable - 1];
        Metrics.Incoming(durable, appends.Sum(a => a.Bytes));
        if (durable < records.Count) Metrics.Throttled(records.Count - durable);
        return durable;
    }

    /// <summary>
    /// How far <paramref name="source"/> was read into the log (its last durable record's position), from this run's
    /// appends or the log's replay; null when the log holds none. A source resumes after the later of this and its own
    /// checkpoint, so a crash between the log's sync and the checkpoint does not read a batch into the log twice.
    /// </summary>
    internal string? LoggedPosition(string source)
    {
        lock (_loggedPositions) return _loggedPositions.GetValueOrDefault(source);
    }

    /// <summary>Completes once everything queued before it (puts, clock ticks) has been processed.</summary>
    public Task BarrierAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(done)) done.SetResult();
        return done.Task;
    }

    /// <summary>Stops: processes what was acknowledged, delivers every buffer, closes the log.</summary>
    public async Task StopAsync()
    {
        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        if (_wal is not null) await _wal.DisposeAsync().ConfigureAwait(false); // the last group is committed and queued
        _work.Writer.TryComplete();
        if (_consumer is not null) await _consumer.ConfigureAwait(false);
        foreach (var b in _buffers.TakeAll()) await DeliverInBackgroundAsync(b, _stopping.Token).ConfigureAwait(false);
        Interlocked.Exchange(ref _oldestBufferedArrivalMs, long.MaxValue);
        Metrics.Buffers(0, 0);
        await DeliveriesDoneAsync().ConfigureAwait(false);
        TrimDelivered();
        _deliveryLog?.Dispose();
        await _data.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _deliverySlots.Dispose();
    }

    private async Task ConsumeAsync()
    {
        var pending = new List<WalEntry>();
        var processed = new List<WalGroup>();
        while (await _work.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var tick = false;
            var barriers = new List<TaskCompletionSource>();
            while (_work.Reader.TryRead(out var item))
            {
                switch (item)
                {
                    case WalGroup group:
                        pending.AddRange(group.Entries);
                        processed.Add(group);
                        break;
                    case Tick: tick = true; break;
                    case TaskCompletionSource tcs: barriers.Add(tcs); break;
                }
                if (barriers.Count > 0 || pending.Count >= 10_000) break;
            }
            try
            {
                if (pending.Count > 0)
                {
                    await HandleAsync(pending, _stopping.Token).ConfigureAwait(false);
                    pending.Clear();
                    foreach (var g in processed) g.Release(); // the buffers hold copies now
                    processed.Clear();
                }
                if (tick || _settings.BufferingIntervalSeconds == 0)
                    foreach (var b in _buffers.TakeDue(_time.GetUtcNow())) await DeliverInBackgroundAsync(b, _stopping.Token).ConfigureAwait(false);
                Interlocked.Exchange(ref _oldestBufferedArrivalMs, _buffers.OldestArrivalMs ?? long.MaxValue);
                Metrics.Buffers(_buffers.Bytes, _buffers.ActivePartitions);
                if (barriers.Count > 0) await DeliveriesDoneAsync().ConfigureAwait(false);
                TrimDelivered();
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            foreach (var b in barriers) b.SetResult();
        }
    }

    private async Task HandleAsync(IReadOnlyList<WalEntry> entries, CancellationToken ct)
    {
        var dropped = _exactRuns is null ? null : new List<long>();
        var processed = await _processor.ProcessAsync(entries, dropped, ct).ConfigureAwait(false);
        if (_conversion is not null) await _conversion.CheckAsync(processed, ct).ConfigureAwait(false);
        var positions = dropped is null ? null : OutputOrder(processed, dropped);
        foreach (var r in processed)
        {
            var record = r;
            if (_replaying && (WasDelivered(record) || _data.AlreadyDelivered(record.NaturalPartition, record.Ordinal))) continue;
            if (_settings.EnableDynamicPartitioning && !_buffers.CanTake(record))
                record = _processor.Error(record.Ordinal, record.ArrivalMs, record.Data, ErrorRecords.ActivePartitionsExceeded,
                    $"the stream has {_settings.MaxActivePartitions} active partitions (max_active_partitions); this record's partition would exceed it",
                    naturalPartition: record.BufferKey);
            if (positions is not null && !record.IsError)
            {
                if (!_exactRuns!.TryGetValue(record.BufferKey, out var runs)) _exactRuns[record.BufferKey] = runs = new OrdinalRunBuilder();
                runs.Add(record.Ordinal, _outputPosition + Array.BinarySearch(positions, record.Ordinal));
            }
            if (_buffers.Add(record) is { } full) await DeliverInBackgroundAsync(full, ct).ConfigureAwait(false);
        }
        if (positions is not null) _outputPosition += positions.Length;
        // Buffered records are undelivered records of the log: left to their size or interval, many partitions could
        // hold the whole disk budget and every put would be refused until the interval ends. Past half the budget every
        // buffer goes early (smaller objects): partitions interleave in the log, so only all of them free its segments.
        if (_buffers.Bytes > _walBudget / 2)
            foreach (var early in _buffers.TakeAll()) await DeliverInBackgroundAsync(early, ct).ConfigureAwait(false);
        _consumedSeq = Math.Max(_consumedSeq, entries[^1].Seq);
        Interlocked.Exchange(ref _oldestBufferedArrivalMs, _buffers.OldestArrivalMs ?? long.MaxValue);
        Metrics.Buffers(_buffers.Bytes, _buffers.ActivePartitions);
    }

    /// <summary>Every output of the batch (dropped ones too) in ordinal order: a record's index there is its position.</summary>
    private static long[] OutputOrder(List<ProcessedRecord> processed, List<long> dropped)
    {
        var all = new long[processed.Count + dropped.Count];
        for (var i = 0; i < processed.Count; i++) all[i] = processed[i].Ordinal;
        dropped.CopyTo(all, processed.Count);
        Array.Sort(all);
        return all;
    }

    private bool WasDelivered(ProcessedRecord record)
    {
        lock (_deliveryLog!) return _deliveryLog.WasDelivered(record.NaturalPartition, record.Ordinal);
    }

    /// <summary>Hands a buffer taken from the buffers to a background delivery; waits while every delivery slot is busy.</summary>
    private async Task DeliverInBackgroundAsync(PartitionBuffer b, CancellationToken ct)
    {
        long[]? exact = null;
        if (!b.IsError && _exactRuns is not null && _exactRuns.Remove(b.Key, out var runs)) exact = runs.ToArray();
        await _deliverySlots.WaitAsync(ct).ConfigureAwait(false);
        lock (_delivering) _delivering.Add(b);
        _deliveries.RemoveAll(t => t.IsCompletedSuccessfully);
        _deliveries.Add(Task.Run(async () =>
        {
            try
            {
                await FlushAsync(b, exact, ct).ConfigureAwait(false);
            }
            catch
            {
                b.Release(); // its records stay in the log for the next start; its native memory goes back now
                throw;
            }
            finally
            {
                lock (_delivering) _delivering.Remove(b);
                _deliverySlots.Release();
            }
        }, CancellationToken.None));
    }

    /// <summary>Waits for every background delivery started so far (a failure other than stopping surfaces here).</summary>
    private async Task DeliveriesDoneAsync()
    {
        var all = _deliveries.ToArray();
        _deliveries.Clear();
        await Task.WhenAll(all).ConfigureAwait(false);
    }

    /// <summary>Delivers one buffer, retrying with backoff until it lands (as Firehose retries S3); records stay in the log meanwhile.</summary>
    private async Task FlushAsync(PartitionBuffer b, long[]? exactOrdinals, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        if (exactOrdinals is not null && _data.ObjectKeyOf(b) is { } objectKey)
            lock (_deliveryLog!) _deliveryLog.RecordWriting(b.Key, objectKey, exactOrdinals);
        while (true)
        {
            try
            {
                var (key, bytes) = await (b.IsError ? _errors : _data).DeliverAsync(b, exactOrdinals, ct).ConfigureAwait(false);
                if (DeliveredNotYetRecorded is { } crash) await crash().ConfigureAwait(false);
                lock (_deliveryLog!)
                {
                    if (b.IsError) _deliveryLog.RecordErrors(b.Ordinals);
                    else if (exactOrdinals is not null) _deliveryLog.RecordPartitionOrdinals(b.Key, exactOrdinals);
                    else _deliveryLog.RecordPartition(b.Key, b.FirstOrdinal, b.LastOrdinal);
                }
                b.Release();
                Metrics.Delivered(b.Count, bytes, b.IsError);
                ObjectDelivered?.Invoke(key, b.Count);
                return;
            }
            catch (Exception e) when (e is IOException or HttpRequestException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException
                or CommitStateUnknownException)
            {
                Metrics.DeliveryFailed();
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>Deletes log segments every record of which is delivered; compacts the delivery log now and then.</summary>
    private void TrimDelivered()
    {
        if (_wal is null || _replaying) return;
        var oldest = _buffers.OldestOrdinal ?? long.MaxValue;
        lock (_delivering)
            foreach (var b in _delivering) oldest = Math.Min(oldest, b.FirstOrdinal);
        var firstUndelivered = oldest == long.MaxValue ? _consumedSeq + 1 : ProcessedRecord.SeqOf(oldest);
        _wal.Trim(firstUndelivered);
        lock (_deliveryLog!)
        {
            if (_deliveryLog.EntryCount >= _compactAt)
            {
                _deliveryLog.Compact(ProcessedRecord.OrdinalOf(_wal.FirstRetainedSeq, 0));
                _compactAt = Math.Max(4096, _deliveryLog.EntryCount * 2);
            }
        }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
