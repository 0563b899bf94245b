namespace Dativo.Testing.Services;

/// <summary>
/// One local-aws-sqs (SQS speaking the JSON protocol of AWSSDK.SQS 4, tests/services/node_modules) per test process
/// on 127.0.0.1. Queues are created by the tests with the real AWSSDK.SQS client.
/// </summary>
public sealed class SqsServer
{
    private static readonly Lazy<SqsServer> Shared = new(() =>
    {
        var (port, skip) = NodeHosts.Start("sqs-host.js", "local-aws-sqs", "SQS");
        if (skip is not null) Console.WriteLine("[SqsServer] skipped: " + skip);
        return new SqsServer(skip, skip is null ? $"http://127.0.0.1:{port}" : "");
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private SqsServer(string? skipReason, string endpoint)
    {
        SkipReason = skipReason;
        Endpoint = endpoint;
    }

    public static SqsServer Instance => Shared.Value;

    public string? SkipReason { get; }

    /// <summary>e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string Endpoint { get; }
}
