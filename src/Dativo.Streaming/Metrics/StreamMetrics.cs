namespace Dativo.Streaming.Metrics;

/// <summary>Firehose's CloudWatch metrics for one stream, as counters (sums since start) and a gauge.</summary>
public sealed class StreamMetrics(string stream)
{
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
