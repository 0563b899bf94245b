namespace Dativo.Streaming.Metrics;

/// <summary>
/// Firehose's CloudWatch metrics for one stream, as counters (sums since start) and gauges, plus a ring of samples taken
/// by <see cref="Sample"/> (the host calls it on a clock tick) for charts of the last hour.
/// </summary>
public sealed class StreamMetrics(string stream, int historyLength = StreamMetrics.DefaultHistoryLength)
{
    /// <summary>An hour of 10-second samples.</summary>
    public const int DefaultHistoryLength = 360;

    private readonly Lock _historyGate = new();
    private readonly Queue<MetricSample> _history = new();
    private MetricSample? _lastSample;
    private long _bufferedBytes;
    private int _activePartitions;

    private long _incomingRecords;
    private long _incomingBytes;
    private long _deliveredRecords;
    private long _deliveredBytes;
    private long _deliveryAttempts;
    private long _deliverySuccesses;
    private long _errorRecords;
    private long _throttledRecords;

    public string Stream { get; } = stream;

    public long IncomingRecords => Interlocked.Read(ref _incomingRecords);
    public long IncomingBytes => Interlocked.Read(ref _incomingBytes);
    public long DeliveryToS3Records => Interlocked.Read(ref _deliveredRecords);
    public long DeliveryToS3Bytes => Interlocked.Read(ref _deliveredBytes);
    public long DeliveryAttempts => Interlocked.Read(ref _deliveryAttempts);
    public long DeliverySuccesses => Interlocked.Read(ref _deliverySuccesses);
    public long ErrorRecords => Interlocked.Read(ref _errorRecords);
    public long ThrottledRecords => Interlocked.Read(ref _throttledRecords);

    /// <summary>DeliveryToS3.Success: successful deliveries / attempts (1 when nothing was attempted yet).</summary>
    public double DeliverySuccessRatio => DeliveryAttempts == 0 ? 1 : (double)DeliverySuccesses / DeliveryAttempts;

    /// <summary>DataFreshness: age in seconds of the oldest record not yet delivered (0 when none waits).</summary>
    public Func<double> DataFreshnessSeconds { get; set; } = () => 0;

    /// <summary>Bytes waiting in the partition buffers (not yet delivered).</summary>
    public long BufferedBytes => Interlocked.Read(ref _bufferedBytes);

    /// <summary>Partition buffers open now (error buffers not counted, as for max_active_partitions).</summary>
    public int ActivePartitions => Volatile.Read(ref _activePartitions);

    /// <summary>The samples kept, oldest first.</summary>
    public IReadOnlyList<MetricSample> History
    {
        get { lock (_historyGate) return [.. _history]; }
    }

    /// <summary>
    /// Records a sample at <paramref name="at"/>: what came in and was delivered since the previous sample, and the buffer
    /// gauges now. The oldest sample is dropped once the ring is full.
    /// </summary>
    public MetricSample Sample(DateTimeOffset at)
    {
        lock (_historyGate)
        {
            var totals = new MetricSample(at, IncomingRecords, IncomingBytes, DeliveryToS3Records, DeliveryToS3Bytes, BufferedBytes, ActivePartitions);
            var previous = _lastSample ?? totals with { IncomingRecords = 0, IncomingBytes = 0, DeliveredRecords = 0, DeliveredBytes = 0 };
            var sample = totals with
            {
                IncomingRecords = totals.IncomingRecords - previous.IncomingRecords,
                IncomingBytes = totals.IncomingBytes - previous.IncomingBytes,
                DeliveredRecords = totals.DeliveredRecords - previous.DeliveredRecords,
                DeliveredBytes = totals.DeliveredBytes - previous.DeliveredBytes,
            };
            _lastSample = totals;
            _history.Enqueue(sample);
            while (_history.Count > Math.Max(1, historyLength)) _history.Dequeue();
            return sample;
        }
    }

    internal void Buffers(long bytes, int activePartitions)
    {
        Interlocked.Exchange(ref _bufferedBytes, bytes);
        Volatile.Write(ref _activePartitions, activePartitions);
    }

    internal void Incoming(long records, long bytes)
    {
        Interlocked.Add(ref _incomingRecords, records);
        Interlocked.Add(ref _incomingBytes, bytes);
    }

    internal void Throttled(long records) => Interlocked.Add(ref _throttledRecords, records);

    internal void Delivered(long records, long bytes, bool errors)
    {
        Interlocked.Add(ref _deliveredRecords, records);
        Interlocked.Add(ref _deliveredBytes, bytes);
        if (errors) Interlocked.Add(ref _errorRecords, records);
        Interlocked.Increment(ref _deliveryAttempts);
        Interlocked.Increment(ref _deliverySuccesses);
    }

    internal void DeliveryFailed() => Interlocked.Increment(ref _deliveryAttempts);
}

/// <summary>
/// One point of a stream's history: records and bytes that came in and were delivered during the interval ending at
/// <see cref="At"/>, and the buffered bytes and active partitions at that moment.
/// </summary>
public sealed record MetricSample(DateTimeOffset At, long IncomingRecords, long IncomingBytes, long DeliveredRecords, long DeliveredBytes,
    long BufferedBytes, int ActivePartitions);
