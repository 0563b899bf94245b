namespace Dativo.Aws;

/// <summary>Which failures are worth another attempt, and how long to wait before it.</summary>
internal static class AwsRetry
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestThrottled",
        "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException", "SlowDown",
        "BandwidthLimitExceeded", "EC2ThrottledException", "PriorRequestNotComplete",
    };

    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeout", "RequestTimeoutException", "InternalFailure", "InternalError", "InternalServerError",
        "InternalServerException", "ServiceUnavailable", "ServiceUnavailableException",
    };

    public static bool IsThrottling(int status, string code) => status == 429 || ThrottlingCodes.Contains(code);

    public static bool IsRetryable(int status, string code) => IsThrottling(status, code) || status >= 500 || TransientCodes.Contains(code);

    /// <summary>Full jitter (uniform in [0, cap)), cap = min(max, base · 2^(retry-1)); <paramref name="retry"/> counts from 1.</summary>
    public static TimeSpan FullJitter(int retry, TimeSpan baseDelay, TimeSpan maxDelay, Random random)
    {
        var exp = Math.Min(retry - 1, 30);
        var cap = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exp));
        return TimeSpan.FromMilliseconds(random.NextDouble() * cap);
    }
}
