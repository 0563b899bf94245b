using Amazon.Runtime;

namespace Dativo.Aws;

/// <summary>Settings of an <see cref="AwsJsonClient"/>; every one has a default that reads the environment like the SDKs do.</summary>
public sealed class AwsClientOptions
{
    /// <summary>Else <c>AWS_REGION</c>, else <c>AWS_DEFAULT_REGION</c>.</summary>
    public string? Region { get; init; }

    /// <summary>Else <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, else <c>AWS_ENDPOINT_URL</c> (both ignored when
    /// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true</c>), else the public endpoint of the region.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Fixed credentials (tests, callers holding their own); else <see cref="AwsCredentialChain"/>.</summary>
    public AWSCredentials? Credentials { get; init; }

    public Func<string, string?> Env { get; init; } = Environment.GetEnvironmentVariable;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Attempts per call, the first included, for throttling, 5xx and network errors.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Full jitter: the wait before retry n is uniform in [0, min(MaxDelay, BaseDelay · 2^(n-1))).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>One attempt's limit; an attempt that exceeds it counts as a network error.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Source of the jitter (seeded in tests).</summary>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>Receives one line per retried attempt (what failed, how long the wait is).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The transport; a shared pooled client when null.</summary>
    public HttpClient? Http { get; init; }
}
