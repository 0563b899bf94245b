using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Dativo.Lake.Storage.S3;

/// <summary>Resolved connection settings of an S3 store.</summary>
internal sealed record S3Settings(string? Endpoint, string? Region, long MultipartThreshold, int PartSize, bool EmulateConditionalWrites)
{
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>True for MinIO/s3rver/LocalStack-style endpoints: no chunked signing, checksums only when required.</summary>
    public bool IsCustomEndpoint => Endpoint is not null;
}

/// <summary>Builds the AWS SDK client from options and the standard AWS environment.</summary>
internal static class S3ClientFactory
{
    internal const int MinimumPartSize = 5 * 1024 * 1024;

    public static S3Settings Resolve(ObjectStoreOptions options)
    {
        var env = options.Environment ?? Environment.GetEnvironmentVariable;
        var endpoint = FirstSet(options.Endpoint, env("AWS_ENDPOINT_URL_S3"), env("DATIVO_S3_ENDPOINT"), env("AWS_ENDPOINT_URL"));
        var region = FirstSet(options.Region, env("AWS_REGION"), env("AWS_DEFAULT_REGION"));
        if (options.PartSize < MinimumPartSize)
            throw new ArgumentException($"S3 part size must be at least {MinimumPartSize} bytes", nameof(options));
        if (options.MultipartThreshold < options.PartSize)
            throw new ArgumentException("S3 multipart threshold must be at least the part size", nameof(options));
        if (options.ObjectTags is { Count: > 10 } tags)
            throw new ArgumentException($"S3 allows at most 10 tags per object, not {tags.Count}", nameof(options));
        // DATIVO_S3_EMULATE_CONDITIONAL_WRITES=1: the same as EmulateConditionalWrites, for local emulators (single writer only)
        var emulate = options.EmulateConditionalWrites || env("DATIVO_S3_EMULATE_CONDITIONAL_WRITES") == "1";
        return new S3Settings(endpoint, region, options.MultipartThreshold, options.PartSize, emulate)
        {
            Tags = options.ObjectTags ?? new Dictionary<string, string>(),
            Metadata = options.ObjectMetadata ?? new Dictionary<string, string>(),
        };
    }

    public static IAmazonS3 Create(ObjectStoreOptions options, S3Settings settings)
    {
        var config = new AmazonS3Config
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = Math.Max(0, options.MaxAttempts - 1),
        };
        if (settings.IsCustomEndpoint)
        {
            // Emulator-friendly settings, never applied against real AWS.
            config.ServiceURL = settings.Endpoint;
            config.AuthenticationRegion = settings.Region ?? "us-east-1";
            config.ForcePathStyle = options.ForcePathStyle ?? true;
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else
        {
            if (settings.Region is not null) config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
            if (options.ForcePathStyle is bool pathStyle) config.ForcePathStyle = pathStyle;
        }

        if (!string.IsNullOrEmpty(options.AccessKeyId) && !string.IsNullOrEmpty(options.SecretAccessKey))
        {
            AWSCredentials credentials = string.IsNullOrEmpty(options.SessionToken)
                ? new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey)
                : new SessionAWSCredentials(options.AccessKeyId, options.SecretAccessKey, options.SessionToken);
            return new AmazonS3Client(credentials, config);
        }
        return new AmazonS3Client(config); // default chain: env vars, profile, web identity, instance role
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
