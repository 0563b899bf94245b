using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Dativo.Core.Config.Jobs;

/// <summary>A job file after validation (see <see cref="JobSchema"/>). Property names follow the YAML keys.</summary>
public sealed record JobConfig
{
    public required string TenantId { get; init; }
    public string? Environment { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? SourceConnector { get; init; }
    public string? SourceConnectorPath { get; init; }
    public string? TargetConnector { get; init; }
    public string? TargetConnectorPath { get; init; }
    public string? Asset { get; init; }
    public required string AssetPath { get; init; }
    public SourceSpec Source { get; init; } = new();
    public TargetSpec Target { get; init; } = new();
    public Dictionary<string, string> ClassificationOverrides { get; init; } = [];
    public JsonObject? Finops { get; init; }
    public GovernanceOverrides? GovernanceOverrides { get; init; }
    public string SchemaValidationMode { get; init; } = "strict";
    public RetryConfig? RetryConfig { get; init; }
    public LoggingConfig? Logging { get; init; }
    public InfrastructureSpec? Infrastructure { get; init; }
}

public sealed record SourceSpec
{
    public string? Type { get; init; }
    public string? Description { get; init; }
    public List<SourceFile> Files { get; init; } = [];
    public List<SourceTable> Tables { get; init; } = [];
    public List<string> Objects { get; init; } = [];
    public IncrementalSpec? Incremental { get; init; }
    public FileOptions? Options { get; init; }
    public JsonObject? Engine { get; init; }
    public JsonObject? Connection { get; init; }
    public string? Dsn { get; init; }
    public JsonObject? Credentials { get; init; }
    public JsonObject? RateLimits { get; init; }
}

public sealed record SourceFile
{
    public string? Path { get; init; }
    public string? File { get; init; }
    public string? Object { get; init; }
    public string? Id { get; init; }
    public string? Format { get; init; }

    [JsonIgnore]
    public string Location => Path ?? File ?? "";
}

public sealed record SourceTable
{
    public required string Name { get; init; }
    public string? Object { get; init; }
    public string? CursorField { get; init; }
}

public sealed record IncrementalSpec
{
    public string? Strategy { get; init; }
    public string? CursorField { get; init; }
    public int? LookbackDays { get; init; }
    public string? StatePath { get; init; }
}

public sealed record FileOptions
{
    public string? Delimiter { get; init; }
    public string? Quote { get; init; }
    public string? Escape { get; init; }
    public string? Encoding { get; init; }
    public bool? Header { get; init; }
    public List<string>? NullValues { get; init; }
    public string? Compression { get; init; }
}

public sealed record TargetSpec
{
    public string? Type { get; init; }
    public string? Description { get; init; }
    public string? Warehouse { get; init; }
    public string? Catalog { get; init; }
    public string? Namespace { get; init; }
    public string? Table { get; init; }
    public string? Branch { get; init; }
    public string? FileFormat { get; init; }
    public List<string>? Partitioning { get; init; }
    public List<string>? SortOrder { get; init; }
    public string? Mode { get; init; }
    public int? TargetFileSizeMb { get; init; }
    public string? Compression { get; init; }
    public JsonObject? Engine { get; init; }
    public TargetConnection? Connection { get; init; }
}

public sealed record TargetConnection
{
    public S3Settings? S3 { get; init; }
    public S3Settings? Minio { get; init; }
    public JsonObject? Nessie { get; init; }
    public string? Bucket { get; init; }
    public string? Prefix { get; init; }
    public string? Endpoint { get; init; }
    public string? Region { get; init; }
    public bool? PathStyleAccess { get; init; }

    /// <summary>The S3 settings whichever form was used (nested s3:, minio:, or flat keys).</summary>
    [JsonIgnore]
    public S3Settings? EffectiveS3 => S3 ?? Minio ?? (Bucket is null ? null : new S3Settings
    {
        Bucket = Bucket, Prefix = Prefix, Endpoint = Endpoint, Region = Region, PathStyleAccess = PathStyleAccess,
    });
}

public sealed record S3Settings
{
    public string? Bucket { get; init; }
    public string? Prefix { get; init; }
    public string? Endpoint { get; init; }
    public string? Region { get; init; }
    public string? AccessKeyId { get; init; }
    public string? SecretAccessKey { get; init; }
    public bool? PathStyleAccess { get; init; }
}

public sealed record GovernanceOverrides
{
    public string? Owner { get; init; }
    public int? RetentionDays { get; init; }
    public List<string>? Regulations { get; init; }
    public string? Domain { get; init; }
    public string? DataProduct { get; init; }
    public bool? ApprovalRequired { get; init; }
}

public sealed record RetryConfig
{
    public int? MaxAttempts { get; init; }
    public int? MaxRetries { get; init; }
    public double? InitialDelaySeconds { get; init; }
    public double? RetryDelaySeconds { get; init; }
    public double? MaxDelaySeconds { get; init; }
    public double? BackoffMultiplier { get; init; }
    public List<int>? RetryableExitCodes { get; init; }
    public List<string>? RetryableErrorPatterns { get; init; }

    [JsonIgnore]
    public int Attempts => MaxAttempts ?? (MaxRetries is { } r ? r + 1 : 1);
}

public sealed record LoggingConfig
{
    public string? Level { get; init; }
    public bool? Redaction { get; init; }
}

public sealed record InfrastructureSpec
{
    public string? Provider { get; init; }
    public TerraformSpec? Terraform { get; init; }
    public RuntimeSpec? Runtime { get; init; }
    public InfraMetadata? Metadata { get; init; }
    public JsonObject? Resources { get; init; }
    public Dictionary<string, string>? Outputs { get; init; }
}

public sealed record TerraformSpec
{
    public string? ModuleSource { get; init; }
    public string? ModuleVersion { get; init; }
    public string? Workspace { get; init; }
    public JsonObject? BackendConfig { get; init; }
}

public sealed record RuntimeSpec
{
    public string? Platform { get; init; }
    public ComputeSpec? Compute { get; init; }
    public StorageSpec? Storage { get; init; }
    public NetworkSpec? Network { get; init; }
    public string? Namespace { get; init; }
    public string? ServiceAccount { get; init; }
}

public sealed record ComputeSpec
{
    public string? ClusterId { get; init; }
    public string? InstanceType { get; init; }
    public int? InstanceCount { get; init; }
    public AutoScalingSpec? AutoScaling { get; init; }
}

public sealed record AutoScalingSpec
{
    public bool? Enabled { get; init; }
    public int? MinInstances { get; init; }
    public int? MaxInstances { get; init; }
}

public sealed record StorageSpec
{
    public string? Bucket { get; init; }
    public string? Prefix { get; init; }
    public string? VolumeId { get; init; }
    public string? MountPath { get; init; }
}

public sealed record NetworkSpec
{
    public string? VpcId { get; init; }
    public List<string>? SubnetIds { get; init; }
    public List<string>? SecurityGroupIds { get; init; }
}

public sealed record InfraMetadata
{
    public Dictionary<string, string>? Tags { get; init; }
    public Dictionary<string, string>? Labels { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
    public JsonObject? Variables { get; init; }
}
