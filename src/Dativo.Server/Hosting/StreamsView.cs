using Dativo.Application.Pipelines;
using Dativo.Streaming.Metrics;

namespace Dativo.Server.Hosting;

/// <summary>The delivery streams as the API and the dashboard see them: <see cref="HostedStreams"/>, or <see cref="NotConfiguredStreams"/>.</summary>
public interface IStreamsView
{
    bool Configured { get; }

    /// <summary>Why there are no streams, or a one-line description of the ones there are.</summary>
    string Message { get; }

    /// <summary>Every stream was started (its log replayed) and is accepting records.</summary>
    bool Ready { get; }

    IReadOnlyList<StreamStatus> List();

    /// <summary>The stream's status; a <see cref="NotFoundException"/> (404) when there is no such stream.</summary>
    StreamStatus Get(string name);

    /// <summary>The stream's sampled metrics, oldest first.</summary>
    IReadOnlyList<MetricSample> History(string name);

    TimeSpan SampleInterval { get; }

    /// <summary>Puts records (within Firehose's limits); their record ids once they are in the write-ahead log.</summary>
    Task<IReadOnlyList<string>> PutAsync(string name, IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken ct);

    /// <summary>Prometheus text of the streams' metrics and alarm states ("" without streams).</summary>
    string Prometheus();
}

/// <summary>A stream's configuration highlights, counters since start, buffer gauges and alarm states.</summary>
public sealed record StreamStatus(
    string Name, string Destination, string? Prefix, string? ErrorPrefix, long BufferingSizeBytes, int BufferingIntervalSeconds,
    int MaxActivePartitions, long IncomingRecords, long IncomingBytes, long DeliveredRecords, long DeliveredBytes, long ErrorRecords,
    long ThrottledRecords, long BufferedBytes, int ActivePartitions, double DataFreshnessSeconds, IReadOnlyList<AlarmStatus> Alarms)
{
    /// <summary>Average fill of the open partition buffers: buffered bytes over buffering_size per open buffer (0–1).</summary>
    public double BufferFill => BufferedBytes == 0 ? 0 : Math.Min(1, (double)BufferedBytes / (BufferingSizeBytes * Math.Max(1, ActivePartitions)));
}

/// <param name="Kind">high or low</param>
/// <param name="State">OK or ALARM</param>
public sealed record AlarmStatus(string Name, string Kind, string State, long Threshold, int PeriodSeconds, string Metric);

public sealed class NotConfiguredStreams(string message = "streams are not configured: set streams: FILE in dativo.yaml (or --streams)") : IStreamsView
{
    public bool Configured => false;
    public string Message => message;
    public bool Ready => true;
    public TimeSpan SampleInterval => TimeSpan.FromSeconds(10);
    public IReadOnlyList<StreamStatus> List() => [];
    public StreamStatus Get(string name) => throw Unknown(name);
    public IReadOnlyList<MetricSample> History(string name) => throw Unknown(name);
    public Task<IReadOnlyList<string>> PutAsync(string name, IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken ct) => throw Unknown(name);
    public string Prometheus() => "";

    private NotFoundException Unknown(string name) => new($"no stream '{name}': {message}");
}
