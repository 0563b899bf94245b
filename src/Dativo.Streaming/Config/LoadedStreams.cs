using Dativo.Core.Config;
using Dativo.Core.Contracts;

namespace Dativo.Streaming.Config;

/// <summary>A validated delivery-stream file: every default applied, paths resolved, prefixes parsed, secrets read.</summary>
internal sealed record LoadedStreams
{
    public required string File { get; init; }
    /// <summary>The file's name as messages show it, and its YAML tree, to locate keys in later checks.</summary>
    public required string ShownFile { get; init; }
    public required YamlDotNet.RepresentationModel.YamlNode Yaml { get; init; }
    public required int Port { get; init; }
    public required string Bind { get; init; }
    /// <summary>Folder of the write-ahead log and checkpoints (absolute).</summary>
    public required string DataDir { get; init; }
    public required long WalBudgetBytes { get; init; }
    /// <summary>State store of Kinesis checkpoints (<c>state:</c>; a relative SQLite path is resolved against the file), or null for data_dir/state.db.</summary>
    public string? StateUri { get; init; }
    public required IReadOnlyList<LoadedStream> Streams { get; init; }
    public IReadOnlyList<ConfigIssue> Warnings { get; init; } = [];

    public LoadedStream? Find(string name) => Streams.FirstOrDefault(s => s.Name == name);

    /// <summary>An issue at a key path of this file (a key not written is located at its closest written parent).</summary>
    public ConfigIssue IssueAt(IssueSeverity severity, string keyPath, string message)
    {
        var (line, column) = Dativo.Core.Config.Yaml.YamlLocator.Find(Yaml, keyPath);
        return new ConfigIssue(severity, ShownFile, line, column, keyPath, message);
    }
}

internal enum CompressionFormat { Gzip, Zstd, Uncompressed }

/// <summary>One delivery stream, ready to run. <see cref="Definition"/> keeps the keys as written (for tfvars).</summary>
internal sealed record LoadedStream
{
    public required string Name { get; init; }
    public required StreamDefinition Definition { get; init; }
    /// <summary>Index in <c>streams:</c>, for messages (<c>streams[i]</c>).</summary>
    public required int Index { get; init; }
    public required long BufferingSizeBytes { get; init; }
    public required TimeSpan BufferingInterval { get; init; }
    public required CompressionFormat Compression { get; init; }
    public required bool DynamicPartitioning { get; init; }
    /// <summary>The prefix as written, or null for none (Firehose's defaults then apply: see <see cref="EffectivePrefixes"/>).</summary>
    public required S3Prefix? Prefix { get; init; }
    public required S3Prefix? ErrorPrefix { get; init; }

    /// <summary>The prefixes Firehose evaluates, by the same rule the runtime applies (<see cref="Prefixes.StreamPrefixes.Effective"/>).</summary>
    public (string Prefix, string ErrorPrefix) EffectivePrefixes => Prefixes.StreamPrefixes.Effective(Prefix?.Text, ErrorPrefix?.Text, DynamicPartitioning);
    public required string? JqQuery { get; init; }
    /// <summary>The keys the jq query defines (empty without a query).</summary>
    public required IReadOnlyList<string> QueryKeys { get; init; }
    public required bool NewlineAppending { get; init; }
    public required Deaggregation? Deaggregation { get; init; }
    public required TransformationSettings? Transformation { get; init; }
    public required FormatConversion? FormatConversion { get; init; }
    public required StreamDestination Destination { get; init; }
    public required int MaxActivePartitions { get; init; }
    public required AlarmSettings Alarms { get; init; }
    public required StreamSource Source { get; init; }
    public required StreamAuth Auth { get; init; }

    /// <summary>Firehose's processing_configuration.enabled: on whenever any processor is configured.</summary>
    public bool ProcessingEnabled =>
        Transformation is not null || NewlineAppending || Deaggregation is not null || (DynamicPartitioning && JqQuery is not null);
}

internal enum DeaggregationType { Json, Delimited }

/// <summary>Record de-aggregation; <see cref="Delimiter"/> holds the decoded bytes for DELIMITED.</summary>
internal sealed record Deaggregation(DeaggregationType Type, byte[]? Delimiter);

internal sealed record TransformationSettings
{
    /// <summary>The HTTP endpoint, or null.</summary>
    public Uri? HttpUrl { get; init; }
    public IReadOnlyDictionary<string, string> HttpHeaders { get; init; } = new Dictionary<string, string>();
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Program and arguments (started without a shell), or null.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>For the Terraform module only.</summary>
    public string? LambdaArn { get; init; }
    public long BufferingSizeBytes { get; init; } = 1024 * 1024;
    public TimeSpan BufferingInterval { get; init; } = TimeSpan.FromSeconds(60);
    public int Retries { get; init; } = 3;

    /// <summary>The service can call it (an HTTP endpoint or a command; a Lambda ARN alone is for AWS).</summary>
    public bool Runnable => HttpUrl is not null || Command is not null;
}

internal sealed record FormatConversion(string ContractPath, DataContract Contract, string ParquetCompression);

internal abstract record StreamDestination;

internal sealed record LocalDestination(string Path) : StreamDestination;

internal sealed record S3Destination(string Bucket, string Prefix, string? Endpoint, string? Region, bool PathStyleAccess,
    string? AccessKeyId, StreamSecret? SecretAccessKey) : StreamDestination;

internal sealed record IcebergDestination(string Warehouse, string Catalog, string? Namespace, string Table) : StreamDestination;

internal sealed record AlarmSettings(long HighThreshold, long LowThreshold, TimeSpan Period, IReadOnlyList<Uri> Webhooks, IReadOnlyList<string> EmailAddresses)
{
    public static readonly AlarmSettings Default = new(1000, 50, TimeSpan.FromSeconds(300), [], []);
}

internal abstract record StreamSource;

internal sealed record DirectPutSource : StreamSource;

/// <summary>A Kinesis data stream: <see cref="StreamName"/> always (from the ARN when given by ARN), <see cref="StreamArn"/> when configured.</summary>
internal sealed record KinesisSource(string StreamName, string? StreamArn, Uri? Endpoint, string? Region, string StartingPosition,
    DateTimeOffset? StartingTimestamp = null, string? AccessKeyId = null, StreamSecret? SecretAccessKey = null) : StreamSource;

internal abstract record StreamAuth;

internal sealed record NoAuth : StreamAuth;

internal sealed record SigV4Auth(string AccessKeyId, StreamSecret SecretAccessKey) : StreamAuth;

/// <summary>A secret read from the environment or a file. Printing it shows <c>***</c>; <see cref="Reveal"/> is for the one place that signs.</summary>
internal sealed class StreamSecret(string value)
{
    public string Reveal() => value;
    public override string ToString() => "***";
}
