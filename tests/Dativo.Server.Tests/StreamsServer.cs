using Dativo.Server.Hosting;
using Dativo.Streaming.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dativo.Server.Tests;

/// <summary>
/// <c>dativo serve</c> with a streams file (keys required; a fake clock drives buffering, sampling and alarms): stream
/// <c>clicks</c> partitions by page into the local folder <c>out</c>, alarms above 3 and below 1 record per minute, and
/// also accepts SigV4 with its own access key; stream <c>audit</c> holds records for 15 minutes in big buffers.
/// </summary>
public sealed class StreamsServer : KeyedServerFixture, IAsyncDisposable
{
    public const string AccessKey = "AKIDDATIVOSERVE";
    public const string Secret = "dativo-serve-secret";

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override TimeProvider Time => Clock;

    protected override string StreamsFile => """
        data_dir: .stream-data
        streams:
          - name: clicks
            buffering_size: 1
            buffering_interval: 60
            compression_format: UNCOMPRESSED
            enable_dynamic_partitioning: true
            dynamic_partitioning_config:
              jq_metadata_query: "{page: .page}"
              s3_dynamic_prefix: "data/page=!{partitionKeyFromQuery:page}/"
              s3_error_prefix: "errors/!{firehose:error-output-type}/"
              enable_newline_appending: true
            destination: {local: {path: out}}
            alarms: {high_threshold: 3, low_threshold: 1, period_s: 60}
            auth: {sigv4: {access_key_id: AKIDDATIVOSERVE, secret_access_key: "file:stream.secret"}}
          - name: audit
            buffering_size: 128
            buffering_interval: 900
            compression_format: UNCOMPRESSED
            destination: {local: {path: audit-out}}
            auth: {sigv4: {access_key_id: AKIDDATIVOSERVE, secret_access_key: "file:stream.secret"}}
        """;

    public override Task InitializeAsync()
    {
        Dir.File("stream.secret", Secret);
        return base.InitializeAsync();
    }

    public static async Task<StreamsServer> StartNewAsync()
    {
        var server = new StreamsServer();
        await server.InitializeAsync();
        return server;
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public HostedStreams Streams => (HostedStreams)Web.Services.GetRequiredService<ServerContext>().Streams;

    public DeliveryStream Stream(string name) => Streams.Service.Streams[name];

    /// <summary>Moves the clock on and waits until every stream has processed what that made due (buffers past their interval are delivered).</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        await SettleAsync(); // what was put is in the buffers before the clock moves (samples see it)
        Clock.Advance(by);
        await SettleAsync();
    }

    public async Task SettleAsync()
    {
        foreach (var s in Streams.Service.Streams.Values) await s.BarrierAsync();
    }

    /// <summary>Every file under <paramref name="folder"/> (relative to the working directory): key → text.</summary>
    public SortedDictionary<string, string> Objects(string folder)
    {
        var root = Path(folder);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(root)) return files;
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.", StringComparison.Ordinal)))
            files[System.IO.Path.GetRelativePath(root, f).Replace('\\', '/')] = File.ReadAllText(f);
        return files;
    }
}
