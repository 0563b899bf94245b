using Dativo.Application.Pipelines;
using Dativo.Core.Errors;
using Dativo.Server.Config;
using Dativo.Server.Security;
using Dativo.Streaming.Api;
using Dativo.Streaming.Config;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Metrics;
using Dativo.Streaming.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using AppContext = Dativo.Application.AppContext;

namespace Dativo.Server.Hosting;

/// <summary>
/// The streams of the <c>streams:</c> file, run inside <c>dativo serve</c>: started (write-ahead logs replayed) before the
/// server listens, stopped after it stopped accepting requests, so every acknowledged record is delivered. The Firehose
/// API is served on the server's own port (<see cref="HandleFirehoseAsync"/>), authenticated by ingest keys or SigV4.
/// </summary>
public sealed class HostedStreams : IStreamsView, IHostedService, IAsyncDisposable
{
    private readonly StreamingService _service;
    private readonly IReadOnlyList<string> _warnings;
    private ILogger? _log;

    private HostedStreams(StreamingService service, IReadOnlyList<string> warnings)
    {
        _service = service;
        _warnings = warnings;
    }

    /// <summary>Loads and validates the streams file (file:line errors); nothing runs until <see cref="StartAsync"/>.</summary>
    public static HostedStreams Load(ServerConfig config, AppContext app, Application.Security.ApiKeys keys, TimeSpan? sampleInterval = null)
    {
        var loaded = StreamConfigLoader.Load(config.Resolve(config.Streams!), app.Env);
        var settings = StreamServiceMapping.ToServiceSettings(loaded);
        HostedStreams? self = null;
        var service = new StreamingService(settings, app.Time, new InProcessHosting(new IngestKeys(keys), AnonymousAllowed: !config.KeysRequired))
        {
            Log = m => self?._log?.LogWarning("{Message}", m),
            SampleInterval = sampleInterval ?? TimeSpan.FromSeconds(10),
        };
        self = new HostedStreams(service, [.. loaded.Warnings.Select(w => w.ToString())]);
        return self;
    }

    public bool Configured => true;

    public string Message => $"{_service.Streams.Count} stream(s): {string.Join(", ", _service.Streams.Keys)}";

    public bool Ready => _service.Healthy;

    public TimeSpan SampleInterval => _service.SampleInterval;

    /// <summary>The service itself (tests reach the delivery streams through it).</summary>
    public StreamingService Service => _service;

    /// <summary>Set by the host before start: where alarm changes and delivery problems are logged.</summary>
    public void UseLogger(ILogger log) => _log = log;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var w in _warnings) _log?.LogWarning("{Warning}", w);
        await _service.StartStreamsAsync(cancellationToken).ConfigureAwait(false);
        _log?.LogInformation("delivery streams started: {Streams}", string.Join(", ", _service.Streams.Keys));
    }

    /// <summary>Runs after the web server stopped accepting requests: every acknowledged record is delivered.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _service.StopAsync().ConfigureAwait(false);
        _log?.LogInformation("delivery streams stopped: every acknowledged record is delivered");
    }

    public Task HandleFirehoseAsync(HttpContext ctx) => _service.HandleFirehoseAsync(ctx);

    public IReadOnlyList<StreamStatus> List() => [.. _service.Streams.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(Status)];

    public StreamStatus Get(string name) => Status(Find(name));

    public IReadOnlyList<MetricSample> History(string name)
    {
        var stream = Find(name);
        _service.SampleMetrics(); // any sample that is due, even if its timer has not fired yet
        return stream.Metrics.History;
    }

    public async Task<IReadOnlyList<string>> PutAsync(string name, IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken ct)
    {
        var stream = Find(name);
        if (records.Count == 0) throw new DativoException("records: give at least one record");
        if (records.Count > FirehoseApi.MaxBatchRecords)
            throw new DativoException($"records: {records.Count} records, at most {FirehoseApi.MaxBatchRecords} per request (as PutRecordBatch); split the batch");
        long total = 0;
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].Length > FirehoseApi.MaxRecordBytes)
                throw new DativoException($"records[{i}]: {records[i].Length} bytes, a record may hold at most {FirehoseApi.MaxRecordBytes} bytes");
            total += records[i].Length;
        }
        if (total > FirehoseApi.MaxBatchBytes)
            throw new DativoException($"records: {total} bytes in one request, at most {FirehoseApi.MaxBatchBytes} (as PutRecordBatch); split the batch");
        if (stream.Settings.KinesisSource is { } kinesis)
            throw new DativoException($"stream '{name}' reads Kinesis stream '{kinesis.StreamIdentity}': put the records into that Kinesis stream");
        if (!_service.Healthy) throw new ServiceUnavailableException("the delivery streams are not running (the server is starting or stopping); retry");
        try
        {
            return await FirehoseApi.PutBatchAsync(stream, records).ConfigureAwait(false);
        }
        catch (FirehoseError e) when (e.Status == 503)
        {
            throw new ServiceUnavailableException($"stream '{name}': {e.Message} (the write-ahead log is over its budget or unavailable); retry later");
        }
    }

    public string Prometheus() => _service.RenderMetrics();

    public ValueTask DisposeAsync() => _service.DisposeAsync();

    private DeliveryStream Find(string name) =>
        _service.Streams.TryGetValue(name, out var s) ? s : throw new NotFoundException($"no stream '{name}'; the streams are {string.Join(", ", _service.Streams.Keys)}");

    private StreamStatus Status(DeliveryStream s)
    {
        var m = s.Metrics;
        var monitor = _service.Alarms.FirstOrDefault(a => a.Stream == s.Name);
        var alarms = new List<AlarmStatus>();
        if (s.Settings.Alarms is { } cfg && monitor is not null)
            foreach (var (kind, state) in monitor.States)
                alarms.Add(new AlarmStatus($"{s.Name}-{kind}-incoming-records", kind, state == AlarmState.Alarm ? "ALARM" : "OK",
                    (kind == "high" ? cfg.HighThreshold : cfg.LowThreshold) ?? 0, cfg.PeriodSeconds, "IncomingRecords"));
        return new StreamStatus(s.Name, s.Settings.Destination, s.Settings.Prefix, s.Settings.ErrorPrefix, s.Settings.BufferingSizeBytes,
            s.Settings.BufferingIntervalSeconds, s.Settings.MaxActivePartitions, m.IncomingRecords, m.IncomingBytes, m.DeliveryToS3Records,
            m.DeliveryToS3Bytes, m.ErrorRecords, m.ThrottledRecords, m.BufferedBytes, m.ActivePartitions, m.DataFreshnessSeconds(), alarms);
    }
}

/// <summary>
/// Starts and stops the streams with the host. Registered before the web server's own hosted service, so the streams are
/// started (logs replayed) before it listens and stopped after it has stopped accepting requests.
/// </summary>
internal sealed class StreamsLifetime(ServerContext server, ILogger<HostedStreams> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (server.Streams is not HostedStreams streams) return Task.CompletedTask;
        streams.UseLogger(log);
        return streams.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        server.Streams is HostedStreams streams ? streams.StopAsync(cancellationToken) : Task.CompletedTask;
}
