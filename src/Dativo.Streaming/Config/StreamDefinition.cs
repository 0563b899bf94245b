using System.Text.Json.Nodes;

namespace Dativo.Streaming.Config;

// The file as written (after schema binding), snake_case keys. StreamConfigLoader turns it into LoadedStreams.

internal sealed class StreamsFileDefinition
{
    public int? Port { get; init; }
    public string? Bind { get; init; }
    public string? DataDir { get; init; }
    public long? WalBudgetMb { get; init; }
    public string? State { get; init; }
    public JsonNode? Auth { get; init; }
    public List<StreamDefinition> Streams { get; init; } = [];
}

internal sealed class StreamDefinition
{
    public string Name { get; init; } = "";
    public int? BufferingSize { get; init; }
    public int? BufferingInterval { get; init; }
    public string? CompressionFormat { get; init; }
    public bool EnableDynamicPartitioning { get; init; }
    public DynamicPartitioningDefinition? DynamicPartitioningConfig { get; init; }
    public TransformationDefinition? DataTransformation { get; init; }
    public FormatConversionDefinition? RecordFormatConversion { get; init; }
    public DestinationDefinition? Destination { get; init; }
    public int? MaxActivePartitions { get; init; }
    public AlarmsDefinition? Alarms { get; init; }
    public JsonNode? Source { get; init; }
    public JsonNode? Auth { get; init; }
    public TerraformDefinition? Terraform { get; init; }
}

internal sealed class DynamicPartitioningDefinition
{
    public string? JqMetadataQuery { get; init; }
    public string? S3DynamicPrefix { get; init; }
    public string? S3ErrorPrefix { get; init; }
    public bool EnableNewlineAppending { get; init; }
    public bool EnableRecordDeaggregation { get; init; }
    public DeaggregationDefinition? RecordDeaggregationConfig { get; init; }
}

internal sealed class DeaggregationDefinition
{
    public string? Type { get; init; }
    public string? Delimiter { get; init; }
}

internal sealed class TransformationDefinition
{
    public HttpTransformationDefinition? Http { get; init; }
    public List<string>? Command { get; init; }
    public string? LambdaArn { get; init; }
    public double? BufferingSize { get; init; }
    public int? BufferingInterval { get; init; }
    public int? Retries { get; init; }
}

internal sealed class HttpTransformationDefinition
{
    public string Url { get; init; } = "";
    public Dictionary<string, string>? Headers { get; init; }
    public int? TimeoutS { get; init; }
}

internal sealed class FormatConversionDefinition
{
    public string Contract { get; init; } = "";
    public string? Compression { get; init; }
}

internal sealed class DestinationDefinition
{
    public LocalDestinationDefinition? Local { get; init; }
    public S3DestinationDefinition? S3 { get; init; }
    public IcebergDestinationDefinition? Iceberg { get; init; }
}

internal sealed class LocalDestinationDefinition
{
    public string Path { get; init; } = "";
}

internal sealed class S3DestinationDefinition
{
    public string Bucket { get; init; } = "";
    public string? Prefix { get; init; }
    public string? Endpoint { get; init; }
    public string? Region { get; init; }
    public bool? PathStyleAccess { get; init; }
    public string? AccessKeyId { get; init; }
    public string? SecretAccessKey { get; init; }
}

internal sealed class IcebergDestinationDefinition
{
    public string Warehouse { get; init; } = "";
    public string? Catalog { get; init; }
    public string? Namespace { get; init; }
    public string Table { get; init; } = "";
}

internal sealed class AlarmsDefinition
{
    public long? HighThreshold { get; init; }
    public long? LowThreshold { get; init; }
    public int? PeriodS { get; init; }
    public List<string>? Subscriptions { get; init; }
}

internal sealed class PrincipalsDefinition
{
    public List<string>? Aws { get; init; }
    public List<string>? Federated { get; init; }

    public bool IsEmpty => (Aws?.Count ?? 0) + (Federated?.Count ?? 0) == 0;
}

internal sealed class TerraformDefinition
{
    public string? ProjectName { get; init; }
    public string? Env { get; init; }
    public string? LogGroupName { get; init; }
    public PrincipalsDefinition? KinesisDataProducers { get; init; }
    public PrincipalsDefinition? S3DataConsumers { get; init; }
    public int? RetentionPeriod { get; init; }
    public string? StreamMode { get; init; }
    public int? ShardCount { get; init; }
    public string? KmsKeyId { get; init; }
    public bool UseKmsForKinesis { get; init; }
    public bool UseKmsForS3 { get; init; }
}
