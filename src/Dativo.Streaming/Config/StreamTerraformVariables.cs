using System.Text.Json.Nodes;
using Dativo.Core.Config;

namespace Dativo.Streaming.Config;

/// <summary>
/// The variables of terraform/aws/streaming-analytics for one stream of a delivery-stream file, in the module's
/// order. What the managed module cannot do (format conversion, Iceberg, a transformation without a Lambda) and what
/// it requires (log group, producers, consumers) is refused here with file:line, before Terraform sees it.
/// </summary>
internal static class StreamTerraformVariables
{
    public static IReadOnlyList<KeyValuePair<string, JsonNode?>> Build(LoadedStreams file, LoadedStream s)
    {
        var p = $"streams[{s.Index}]";
        var tf = s.Definition.Terraform;
        var issues = new List<ConfigIssue>();
        void Error(string key, string message) => issues.Add(file.IssueAt(IssueSeverity.Error, key, message));

        if (string.IsNullOrEmpty(tf?.LogGroupName))
            Error(tf is null ? p : $"{p}.terraform", "the Terraform module needs terraform.log_group_name: an existing CloudWatch log group for the delivery logs");
        if (tf?.KinesisDataProducers is null || tf.KinesisDataProducers.IsEmpty)
            Error(tf is null ? p : $"{p}.terraform", "the Terraform module needs terraform.kinesis_data_producers: {aws: [role ARNs]} or {federated: [...]}, who may put records");
        if (tf?.S3DataConsumers is null || tf.S3DataConsumers.IsEmpty)
            Error(tf is null ? p : $"{p}.terraform", "the Terraform module needs terraform.s3_data_consumers: {aws: [role ARNs]} or {federated: [...]}, who may read the objects");
        if (s.FormatConversion is not null)
            Error($"{p}.record_format_conversion", "the Terraform module delivers raw records: record format conversion runs only in dativo stream serve");
        if (s.Destination is IcebergDestination)
            Error($"{p}.destination", "the Terraform module delivers to the S3 bucket it creates, not to an Iceberg table");
        if (s.Transformation is { LambdaArn: null })
            Error($"{p}.data_transformation", "the managed Firehose transforms records only with a Lambda: add data_transformation.lambda_arn");
        var sizeMiB = s.BufferingSizeBytes / (1024 * 1024);
        if (s.DynamicPartitioning && sizeMiB < 64)
            Error(s.Definition.BufferingSize is null ? $"{p}.enable_dynamic_partitioning" : $"{p}.buffering_size", $"with dynamic partitioning Firehose needs buffering_size >= 64 MiB (here {sizeMiB})");
        if (s.DynamicPartitioning && s.BufferingInterval < TimeSpan.FromSeconds(60))
            Error($"{p}.buffering_interval", "zero buffering is not available with dynamic partitioning: buffering_interval must be at least 60");
        if (issues.Count > 0) throw new ConfigException(issues);

        var dp = s.Definition.DynamicPartitioningConfig;
        var vars = new List<KeyValuePair<string, JsonNode?>>();
        void Add(string name, JsonNode? value) => vars.Add(KeyValuePair.Create(name, value));
        Add("project_name", tf!.ProjectName ?? s.Name);
        Add("env", tf.Env ?? "Dev");
        Add("log_group_name", tf.LogGroupName);
        Add("kinesis_data_producers", Principals(tf.KinesisDataProducers!));
        Add("s3_data_consumers", Principals(tf.S3DataConsumers!));
        Add("retention_period", tf.RetentionPeriod ?? 24);
        Add("stream_mode", tf.StreamMode ?? "ON_DEMAND");
        Add("shard_count", tf.ShardCount ?? 1);
        Add("buffering_size", sizeMiB);
        Add("buffering_interval", (long)s.BufferingInterval.TotalSeconds);
        Add("compression_format", s.Compression.ToString().ToUpperInvariant());
        Add("data_transformation_lambda_arn", s.Transformation?.LambdaArn ?? "");
        Add("enable_dynamic_partitioning", s.DynamicPartitioning);
        Add("dynamic_partitioning_config", dp is null ? new JsonObject() : new JsonObject
        {
            ["jq_metadata_query"] = dp.JqMetadataQuery ?? "",
            ["s3_dynamic_prefix"] = dp.S3DynamicPrefix ?? "",
            ["s3_error_prefix"] = dp.S3ErrorPrefix ?? "",
            ["enable_newline_appending"] = dp.EnableNewlineAppending,
            ["enable_record_deaggregation"] = dp.EnableRecordDeaggregation,
            ["record_deaggregation_config"] = new JsonObject
            {
                ["type"] = dp.RecordDeaggregationConfig?.Type ?? "JSON",
                ["delimiter"] = dp.RecordDeaggregationConfig?.Delimiter ?? "",
            },
        });
        Add("alarm_high_threshold", s.Alarms.HighThreshold);
        Add("alarm_low_threshold", s.Alarms.LowThreshold);
        Add("alarm_period", (long)s.Alarms.Period.TotalSeconds);
        Add("alarm_subscription_email_addresses", new JsonArray([.. s.Alarms.EmailAddresses.Select(e => (JsonNode)JsonValue.Create(e))]));
        Add("kms_key_id", tf.KmsKeyId ?? "");
        Add("use_kms_for_kinesis", tf.UseKmsForKinesis);
        Add("use_kms_for_s3", tf.UseKmsForS3);
        return vars;
    }

    private static JsonObject Principals(PrincipalsDefinition p) => new()
    {
        ["aws"] = new JsonArray([.. (p.Aws ?? []).Select(a => (JsonNode)JsonValue.Create(a))]),
        ["federated"] = new JsonArray([.. (p.Federated ?? []).Select(a => (JsonNode)JsonValue.Create(a))]),
    };
}
