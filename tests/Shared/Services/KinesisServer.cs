namespace Dativo.Testing.Services;

/// <summary>One kinesalite (in-memory Kinesis, tests/services/node_modules) per test process on 127.0.0.1.</summary>
internal sealed class KinesisServer
{
    private static readonly Lazy<KinesisServer> Shared = new(() =>
    {
        var (port, skip) = NodeHosts.Start("kinesalite-host.js", "kinesalite", "Kinesis");
        return new KinesisServer(skip, skip is null ? $"http://127.0.0.1:{port}" : "");
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private KinesisServer(string? skipReason, string endpoint)
    {
        SkipReason = skipReason;
        Endpoint = endpoint;
    }

    public static KinesisServer Instance => Shared.Value;

    public string? SkipReason { get; }

    /// <summary>e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string Endpoint { get; }
}

/// <summary>A Kinesis endpoint for a test class (<c>IClassFixture</c>); <see cref="NewStreamName"/> names a stream no other test uses.</summary>
public sealed class KinesisFixture
{
    private static int _streams;

    public KinesisFixture()
    {
        var server = KinesisServer.Instance;
        SkipReason = server.SkipReason;
        Endpoint = server.Endpoint;
        if (SkipReason is not null) Console.WriteLine("[KinesisServer] skipped: " + SkipReason);
    }

    public string? SkipReason { get; }

    public string Endpoint { get; }

    public static string NewStreamName() => $"dativo-{Interlocked.Increment(ref _streams)}-{Guid.NewGuid().ToString("N")[..8]}";
}
