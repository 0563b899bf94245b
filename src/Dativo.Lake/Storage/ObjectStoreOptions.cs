namespace Dativo.Lake.Storage;

/// <summary>
/// Settings for <see cref="ObjectStores.Open"/>. Unset S3 values fall back to the standard AWS
/// environment (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_PROFILE, …) and to
/// <c>AWS_ENDPOINT_URL_S3</c> / <c>AWS_ENDPOINT_URL</c> / <c>DATIVO_S3_ENDPOINT</c> for the endpoint.
/// </summary>
public sealed record ObjectStoreOptions
{
    /// <summary>AWS region, e.g. <c>eu-west-1</c>.</summary>
    public string? Region { get; init; }

    /// <summary>Custom S3 endpoint (MinIO, s3rver, LocalStack…). Setting it turns on emulator-friendly signing.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Path-style addressing (<c>http://host/bucket/key</c>); defaults to true with a custom endpoint.</summary>
    public bool? ForcePathStyle { get; init; }

    public string? AccessKeyId { get; init; }

    public string? SecretAccessKey { get; init; }

    public string? SessionToken { get; init; }

    /// <summary>Objects at least this large are sent as a multipart upload.</summary>
    public long MultipartThreshold { get; init; } = 16L * 1024 * 1024;

    /// <summary>Size of each multipart part (S3 minimum is 5 MiB except for the last part).</summary>
    public int PartSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>Attempts per request on throttling, 5xx and network errors.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>
    /// For S3 emulators that ignore <c>If-None-Match</c>: create-if-absent becomes check-then-put,
    /// which is NOT atomic (only safe with a single writer). Without it such endpoints make
    /// <see cref="IObjectStore.PutIfAbsentAsync"/> fail with a clear error.
    /// </summary>
    public bool EmulateConditionalWrites { get; init; }

    /// <summary>
    /// S3 object tags put on every object the store writes (at most 10, S3's limit; keys ≤ 128 and values ≤ 256
    /// characters of letters, digits, spaces and <c>+ - = . _ : / @</c>). Set at creation (<c>x-amz-tagging</c>); on a
    /// custom endpoint also with a PutObjectTagging call, because emulators ignore the header. Ignored by local stores.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ObjectTags { get; init; }

    /// <summary>User metadata (<c>x-amz-meta-*</c>) put on every object the store writes (S3 allows 2 KB in all). Ignored by local stores.</summary>
    public IReadOnlyDictionary<string, string>? ObjectMetadata { get; init; }

    /// <summary>Environment lookup; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</summary>
    public Func<string, string?>? Environment { get; init; }
}
