using Dativo.Lake.Storage;

namespace Dativo.Streaming.Runtime;

/// <summary>
/// What the runtime needs to run one delivery stream. Built from the YAML configuration (key names of issue #14, which
/// follow the seed module's variables) by one mapping function, so the runtime does not depend on the file format.
/// </summary>
public sealed record StreamSettings
{
    public required string Name { get; init; }

    /// <summary>Shown in object names (<c>&lt;stream&gt;-&lt;version&gt;-…</c>), as Firehose's stream version.</summary>
    public int Version { get; init; } = 1;

    /// <summary>buffering_size, MiB (1–128).</summary>
    public int BufferingSizeMiB { get; init; } = 5;

    /// <summary>buffering_interval, seconds (0–900).</summary>
    public int BufferingIntervalSeconds { get; init; } = 300;

    public CompressionFormat Compression { get; init; } = CompressionFormat.Gzip;

    public bool EnableDynamicPartitioning { get; init; }

    public string? JqMetadataQuery { get; init; }

    /// <summary>s3_dynamic_prefix: the Firehose prefix (with <c>!{…}</c> expressions).</summary>
    public string? Prefix { get; init; }

    /// <summary>s3_error_prefix.</summary>
    public string? ErrorPrefix { get; init; }

    public bool EnableNewlineAppending { get; init; }

    public DeaggregationSettings? Deaggregation { get; init; }

    public TransformationSettings? Transformation { get; init; }

    public int MaxActivePartitions { get; init; } = 500;

    /// <summary>
    /// Object store root: a folder, <c>file:///…</c> or <c>s3://bucket/prefix</c>. With an <see cref="Iceberg"/>
    /// destination only the error objects go here.
    /// </summary>
    public required string Destination { get; init; }

    /// <summary>record_format_conversion: each buffer becomes Parquet by an ODCS contract instead of raw records (null: raw).</summary>
    public FormatConversionSettings? FormatConversion { get; init; }

    /// <summary>destination iceberg: each buffer is committed to this table (needs <see cref="FormatConversion"/>).</summary>
    public IcebergDestinationSettings? Iceberg { get; init; }

    public ObjectStoreOptions? DestinationOptions { get; init; }

    public AlarmSettings? Alarms { get; init; }

    /// <summary>The Kinesis data stream this stream reads, or null for direct put only.</summary>
    public Sources.Kinesis.KinesisSourceSettings? KinesisSource { get; init; }

    /// <summary>Access keys that may put to this stream (null: any key the service accepts).</summary>
    public IReadOnlySet<string>? AllowedAccessKeys { get; init; }

    public long BufferingSizeBytes => BufferingSizeMiB * 1024L * 1024L;
}

/// <param name="Contract">the ODCS contract whose columns the Parquet files have (types as <c>dativo run</c> maps them)</param>
/// <param name="ParquetCompression">Parquet's codec: SNAPPY (Firehose's default), GZIP, ZSTD or UNCOMPRESSED</param>
public sealed record FormatConversionSettings(Dativo.Core.Contracts.DataContract Contract, string ParquetCompression = "SNAPPY");

/// <param name="Warehouse">lake root: a folder or <c>s3://bucket/prefix</c>; the table lives at <c>&lt;warehouse&gt;/&lt;namespace&gt;/&lt;table&gt;</c></param>
/// <param name="Catalog">null: the SQLite catalog in the warehouse folder; else a catalog URI (<c>postgresql://…</c>)</param>
public sealed record IcebergDestinationSettings(string Warehouse, string? Catalog, string Namespace, string Table);

public enum CompressionFormat
{
    Gzip,
    Zstd,
    Uncompressed,
}

public enum DeaggregationType
{
    Json,
    Delimited,
}

/// <param name="Delimiter">the delimiter bytes for DELIMITED (the YAML holds them as Firehose does: base64)</param>
public sealed record DeaggregationSettings(DeaggregationType Type, byte[]? Delimiter = null);

/// <summary>Exactly one of <see cref="Endpoint"/> (Lambda record contract over HTTP) or <see cref="Command"/> (records on stdin).</summary>
public sealed record TransformationSettings
{
    public Uri? Endpoint { get; init; }

    /// <summary>Program and arguments, started without a shell.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Attempts per batch before its records go to the error prefix (Firehose retries 3 times by default).</summary>
    public int Attempts { get; init; } = 4;

    /// <summary>Headers sent with each HTTP invocation (e.g. an API key).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <param name="PeriodSeconds">evaluation period</param>
/// <param name="Subscriptions">webhook URLs notified on every state change (ALARM and OK)</param>
public sealed record AlarmSettings(long? HighThreshold, long? LowThreshold, int PeriodSeconds, IReadOnlyList<string> Subscriptions);

/// <summary>How the HTTP API authenticates callers.</summary>
public sealed record AuthSettings
{
    /// <summary>No authentication: accepted only when the server binds a loopback address.</summary>
    public static AuthSettings None { get; } = new();

    public IReadOnlyDictionary<string, string> SigV4Keys { get; init; } = new Dictionary<string, string>();

    public bool IsNone => SigV4Keys.Count == 0;
}

/// <summary>The service: its streams, where its write-ahead logs live, and its HTTP binding.</summary>
public sealed record ServiceSettings
{
    public required IReadOnlyList<StreamSettings> Streams { get; init; }

    public required string DataDirectory { get; init; }

    public int Port { get; init; } = 4573;

    public string BindAddress { get; init; } = "127.0.0.1";

    public AuthSettings Auth { get; init; } = AuthSettings.None;

    /// <summary>Bytes of undelivered write-ahead log per stream above which puts are refused with ServiceUnavailableException.</summary>
    public long WalDiskBudgetBytes { get; init; } = 1L << 30;

    /// <summary>State store of Kinesis checkpoints and shard leases (a <c>StateStoreOptions.Uri</c>); null: <c>state.db</c> in <see cref="DataDirectory"/>.</summary>
    public string? StateUri { get; init; }

    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "000000000000";
}
