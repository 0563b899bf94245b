namespace Dativo.Testing.Services;

/// <summary>One dynalite (in-memory DynamoDB, tests/services/node_modules) per test process on 127.0.0.1.</summary>
internal sealed class DynaliteServer
{
    private static readonly Lazy<DynaliteServer> Shared = new(() =>
    {
        var (port, skip) = NodeHosts.Start("dynalite-host.js", "dynalite", "DynamoDB");
        return new DynaliteServer(skip, skip is null ? $"http://127.0.0.1:{port}" : "");
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private DynaliteServer(string? skipReason, string endpoint)
    {
        SkipReason = skipReason;
        Endpoint = endpoint;
    }

    public static DynaliteServer Instance => Shared.Value;

    public string? SkipReason { get; }

    /// <summary>e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string Endpoint { get; }
}

/// <summary>A DynamoDB endpoint for a test class (<c>IClassFixture</c>); <see cref="StateUri"/> names a fresh table each call.</summary>
public sealed class DynaliteFixture
{
    private static int _tables;

    public DynaliteFixture()
    {
        var server = DynaliteServer.Instance;
        SkipReason = server.SkipReason;
        Endpoint = server.Endpoint;
        if (SkipReason is not null) Console.WriteLine("[DynaliteServer] skipped: " + SkipReason);
    }

    public string? SkipReason { get; }

    public string Endpoint { get; }

    /// <summary><c>dynamodb://TABLE?region=us-east-1&amp;endpoint=…</c> with a table no other test uses.</summary>
    public string StateUri(string? table = null) =>
        $"dynamodb://{table ?? NewTable()}?region=us-east-1&endpoint={Uri.EscapeDataString(Endpoint)}";

    public static string NewTable() => $"dativo-state-{Interlocked.Increment(ref _tables)}-{Guid.NewGuid().ToString("N")[..8]}";
}
