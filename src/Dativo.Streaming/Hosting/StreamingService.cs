using System.Net;
using Dativo.Core.Errors;
using Dativo.Lake.State;
using Dativo.Lake.Storage;
using Dativo.Streaming.Api;
using Dativo.Streaming.Metrics;
using Dativo.Streaming.Runtime;
using Dativo.Streaming.Sources.Kinesis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dativo.Streaming.Hosting;

/// <summary>
/// The delivery service as a component: start (replay every stream's log), serve the Firehose API, stop (deliver what was
/// acknowledged), health, metrics and a sampled history of them. <c>dativo stream serve</c> runs it alone with its own
/// listener (<see cref="StartAsync"/>: POST / (Firehose JSON 1.1), GET /health, GET /metrics); <c>dativo serve</c> runs it
/// in-process (<see cref="StartStreamsAsync"/>) and maps <see cref="HandleFirehoseAsync"/> into its own web server.
/// </summary>
public sealed class StreamingService : IAsyncDisposable
{
    private readonly ServiceSettings _settings;
    private readonly TimeProvider _time;
    private readonly InProcessHosting? _inProcess;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly Dictionary<string, DeliveryStream> _streams = new(StringComparer.Ordinal);
    private readonly List<AlarmMonitor> _alarms = [];
    private readonly Dictionary<string, KinesisConsumer> _kinesis = new(StringComparer.Ordinal);
    private FirehoseApi? _api;
    private ITimer? _sampler;
    private readonly Lock _sampleGate = new();
    private DateTimeOffset _nextSample;
    private WebApplication? _app;

    /// <param name="inProcess">null for the standalone service (auth none then needs a loopback bind address); the host's
    /// authentication when another web server maps the Firehose API</param>
    public StreamingService(ServiceSettings settings, TimeProvider time, InProcessHosting? inProcess = null)
    {
        _settings = settings;
        _time = time;
        _inProcess = inProcess;
        if (inProcess is null && settings.Auth.IsNone && !IsLoopback(settings.BindAddress))
            throw new DativoException($"auth: none is accepted only on a loopback address, but the service binds {settings.BindAddress}; configure auth.sigv4 or bind 127.0.0.1");
        foreach (var s in settings.Streams)
        {
            if (_streams.ContainsKey(s.Name)) throw new DativoException($"two streams are named '{s.Name}': stream names must be unique");
            _streams[s.Name] = new DeliveryStream(s, settings.DataDirectory, ObjectStores.Open(s.Destination, s.DestinationOptions), time, _http,
                settings.Region, settings.AccountId, settings.WalDiskBudgetBytes);
        }
        if (settings.Streams.Any(s => s.KinesisSource is not null))
        {
            var store = StateStores.Open(new StateStoreOptions { Uri = settings.StateUri, Directory = settings.DataDirectory, Time = time });
            foreach (var s in settings.Streams)
                if (s.KinesisSource is { } k) _kinesis[s.Name] = new KinesisConsumer(k, _streams[s.Name], store, time, m => Log?.Invoke(m));
        }
    }

    public IReadOnlyDictionary<string, DeliveryStream> Streams => _streams;

    /// <summary>The alarm monitors of the streams that have alarms (after start).</summary>
    public IReadOnlyList<AlarmMonitor> Alarms => _alarms;

    /// <summary>How often each stream's metrics are sampled into its history (<see cref="StreamMetrics.History"/>).</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The Kinesis consumers, by delivery stream.</summary>
    internal IReadOnlyDictionary<string, KinesisConsumer> KinesisSources => _kinesis;

    /// <summary>The port the service listens on (the configured one, or the one the OS chose for port 0).</summary>
    public int Port { get; private set; }

    public Uri Endpoint => new($"http://{(_settings.BindAddress == "0.0.0.0" ? "127.0.0.1" : _settings.BindAddress)}:{Port}");

    public bool Healthy { get; private set; }

    /// <summary>Written to on each alarm state change and delivery problem.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Starts the streams (each replays its write-ahead log first), their alarms and the metrics sampling; no listener.</summary>
    public async Task StartStreamsAsync(CancellationToken ct)
    {
        foreach (var s in _streams.Values) await s.StartAsync(ct).ConfigureAwait(false);
        foreach (var k in _kinesis.Values) await k.StartAsync(ct).ConfigureAwait(false);
        foreach (var s in _streams.Values)
            if (s.Settings.Alarms is { } a) _alarms.Add(new AlarmMonitor(s.Metrics, a, _time, _http, Log));
        var verifier = _settings.Auth.IsNone ? null : new SigV4Verifier(_settings.Auth.SigV4Keys, _time);
        _api = new FirehoseApi(_streams, verifier, _settings.AccountId, _inProcess?.ApiKeys, _inProcess?.AnonymousAllowed ?? true);
        _nextSample = _time.GetUtcNow();
        SampleMetrics();
        _sampler = _time.CreateTimer(_ => SampleMetrics(), null, SampleInterval, SampleInterval);
        Healthy = true;
    }

    /// <summary>Answers one Firehose JSON 1.1 request (POST with <c>X-Amz-Target: Firehose_20150804.*</c>).</summary>
    public Task HandleFirehoseAsync(HttpContext ctx)
    {
        if (_api is null || !Healthy)
        {
            ctx.Response.StatusCode = 503;
            ctx.Response.Headers.RetryAfter = "1";
            ctx.Response.ContentType = "application/x-amz-json-1.1";
            ctx.Response.Headers["x-amzn-ErrorType"] = "ServiceUnavailableException";
            return ctx.Response.WriteAsync("{\"__type\":\"ServiceUnavailableException\",\"message\":\"the delivery streams are not running\"}");
        }
        return _api.HandleAsync(ctx);
    }

    /// <summary>The standalone service: starts the streams, then listens on the configured address and port.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await StartStreamsAsync(ct).ConfigureAwait(false);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Parse(_settings.BindAddress), _settings.Port);
            o.Limits.MaxRequestBodySize = 16L << 20;
            o.AddServerHeader = false;
        });
        _app = builder.Build();
        _app.Run(async ctx =>
        {
            var path = ctx.Request.Path.Value ?? "/";
            if (HttpMethods.IsGet(ctx.Request.Method) && path == "/health")
            {
                ctx.Response.StatusCode = Healthy ? 200 : 503;
                await ctx.Response.WriteAsync(Healthy ? "ok\n" : "stopping\n").ConfigureAwait(false);
            }
            else if (HttpMethods.IsGet(ctx.Request.Method) && path == "/metrics")
            {
                ctx.Response.ContentType = "text/plain; version=0.0.4";
                await ctx.Response.WriteAsync(RenderMetrics()).ConfigureAwait(false);
            }
            else if (HttpMethods.IsPost(ctx.Request.Method))
            {
                await HandleFirehoseAsync(ctx).ConfigureAwait(false);
            }
            else
            {
                ctx.Response.StatusCode = 404;
            }
        });
        try
        {
            await _app.StartAsync(ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new DativoException($"cannot listen on {_settings.BindAddress}:{_settings.Port}: {e.Message} (choose another port with --port)");
        }
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
    }

    /// <summary>Prometheus text: Firehose's metrics per stream, plus alarm states.</summary>
    public string RenderMetrics() => StreamPrometheus.Render(_streams.Values.Select(s => s.Metrics), _alarms);

    /// <summary>
    /// Takes every sample that is due: one per <see cref="SampleInterval"/> since start, at those instants, so the history
    /// has no gaps however late the timer fires. The timer calls it; readers of the history call it first too.
    /// </summary>
    public void SampleMetrics()
    {
        lock (_sampleGate)
        {
            var now = _time.GetUtcNow();
            if (_nextSample == default || _nextSample > now) return;
            var ring = SampleInterval * StreamMetrics.DefaultHistoryLength;
            if (now - _nextSample > ring) _nextSample += (now - _nextSample - ring).Ticks / SampleInterval.Ticks * SampleInterval; // only the last hour is kept
            for (; _nextSample <= now; _nextSample += SampleInterval)
                foreach (var s in _streams.Values) s.Metrics.Sample(_nextSample);
        }
    }

    /// <summary>Stops the listener (if any), then every stream: what was acknowledged is processed and delivered.</summary>
    public async Task StopAsync()
    {
        Healthy = false;
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
        if (_sampler is not null)
        {
            await _sampler.DisposeAsync().ConfigureAwait(false);
            _sampler = null;
        }
        foreach (var a in _alarms) await a.DisposeAsync().ConfigureAwait(false);
        _alarms.Clear();
        foreach (var k in _kinesis.Values) await k.StopAsync().ConfigureAwait(false); // their last batches reach the logs first
        foreach (var s in _streams.Values) await s.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        foreach (var k in _kinesis.Values) await k.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
    }

    private static bool IsLoopback(string address) => IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip);
}
