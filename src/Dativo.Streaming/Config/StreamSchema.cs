using Dativo.Core.Config;
using Dativo.Core.Config.Schema;
using static Dativo.Core.Config.Schema.S;

namespace Dativo.Streaming.Config;

/// <summary>
/// The schema of a delivery-stream file (<c>dativo stream check|serve|tfvars --config</c>). Key names follow the
/// variables of the streaming-analytics Terraform module, so a stream moves between the service and AWS unchanged.
/// </summary>
internal static class StreamSchema
{
    public const string StreamNamePattern = "^[a-zA-Z0-9_.-]{1,64}$";
    public const int DefaultPort = 4573;
    public const int DefaultBufferingSizeMiB = 5;
    public const int DefaultBufferingIntervalSeconds = 300;
    public const int DefaultMaxActivePartitions = 500;
    public const long DefaultWalBudgetMiB = 1024;

    public static readonly string[] CompressionFormats = ["GZIP", "ZSTD", "UNCOMPRESSED"];
    public static readonly string[] DeaggregationTypes = ["JSON", "DELIMITED"];

    private static readonly ObjectSchema SigV4 = Obj("AWS Signature Version 4 with one access key",
        Req("access_key_id", Str("the access key id clients sign with")),
        Req("secret_access_key", Str("${ENV_VAR} or file:PATH (relative to this file); never printed")));

    public static readonly SchemaNode Auth = OneOf(
        Enum("no authentication: accepted only when the service binds a loopback address", "none"),
        Obj("authenticated requests", Req("sigv4", SigV4)));

    private static readonly ObjectSchema DynamicPartitioning = Obj("Prefixes, inline jq parsing and record processing (Firehose's dynamic partitioning settings)",
        P("jq_metadata_query", Str("jq (JQ-1.6) query building the partition keys, e.g. {customer_id: .customer_id}")),
        P("s3_dynamic_prefix", Str("object prefix; !{timestamp:...}, !{firehose:random-string}, !{partitionKeyFromQuery:KEY}, !{partitionKeyFromLambda:KEY}")),
        P("s3_error_prefix", Str("prefix of failed records; must contain !{firehose:error-output-type}")),
        P("enable_newline_appending", Bool("append a newline to every delivered record")),
        P("enable_record_deaggregation", Bool("split each incoming record into several")),
        P("record_deaggregation_config", Obj("how records are split",
            P("type", Enum("JSON: concatenated JSON objects; DELIMITED: a custom delimiter", DeaggregationTypes)),
            P("delimiter", Str("base64 of the delimiter bytes, as Firehose's Delimiter parameter (#### is IyMjIw==)")))));

    private static readonly ObjectSchema Transformation = Obj("Record transformation with the Lambda record contract (recordId, result, data)",
        P("http", Obj("an HTTP endpoint that receives the Lambda event as JSON and answers with the records",
            Req("url", Str("http:// or https:// URL")),
            P("headers", StrMap("request headers, e.g. an API key from ${ENV_VAR}")),
            P("timeout_s", Int("seconds per invocation (default 60)", min: 1, max: 900)))),
        P("command", List(Str(), "a program and its arguments (no shell): reads the event on stdin, writes the answer on stdout")),
        P("lambda_arn", Str("Lambda function ARN with its version, for the Terraform module (the service calls http or command)")),
        P("buffering_size", Num("MiB of records per invocation, 0.2-3 (default 1)")),
        P("buffering_interval", Int("seconds before an incomplete batch is sent (default 60)", min: 0, max: 900)),
        P("retries", Int("retries of a failed invocation (default 3)", min: 0, max: 300)));

    private static readonly ObjectSchema FormatConversion = Obj("Write columnar files by an ODCS data contract instead of raw records",
        Req("contract", Str("ODCS contract file, relative to this file")),
        P("compression", Enum("Parquet compression (default SNAPPY)", "SNAPPY", "GZIP", "ZSTD", "UNCOMPRESSED")));

    private static readonly ObjectSchema Destination = Obj("Where objects are delivered: exactly one of local, s3, iceberg",
        P("local", Obj("a folder", Req("path", Str("folder, relative to this file")))),
        P("s3", Obj("an S3 or S3-compatible bucket",
            Req("bucket", Str()),
            P("prefix", Str("written before the evaluated stream prefix")),
            P("endpoint", Str("custom endpoint for S3-compatible servers")),
            P("region", Str()),
            P("path_style_access", Bool()),
            P("access_key_id", Str("prefer the standard AWS chain")),
            P("secret_access_key", Str("${ENV_VAR} or file:PATH; never printed")))),
        P("iceberg", Obj("an Iceberg table, written by record_format_conversion.contract",
            Req("warehouse", Str("lake root: a folder or s3://bucket/prefix")),
            P("catalog", Str("'sqlite' (default), a postgres:// URI, or 'none'")),
            P("namespace", Str()),
            Req("table", Str()))));

    private static readonly ObjectSchema Alarms = Obj("Alarms on incoming records, evaluated per period",
        P("high_threshold", Int("records per period above which the high alarm fires (default 1000)", min: 0)),
        P("low_threshold", Int("records per period below which the low alarm fires, zero traffic included (default 50)", min: 0)),
        P("period_s", Int("evaluation period in seconds (default 300)", min: 10, max: 86_400)),
        P("subscriptions", List(Str(), "webhook URLs (http/https) and e-mail addresses (the Terraform module subscribes the e-mail addresses)")));

    public static readonly string[] StartingPositions = ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"];

    private static readonly SchemaNode Source = OneOf(
        Enum("records are written with PutRecord/PutRecordBatch", "direct_put"),
        Obj("read a Kinesis data stream",
            Req("kinesis", Obj("the Kinesis data stream to read: stream_name or stream_arn",
                P("stream_name", Str("name of the Kinesis data stream")),
                P("stream_arn", Str("ARN of the Kinesis data stream (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME), instead of stream_name")),
                P("endpoint", Str("Kinesis endpoint URL (default: AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL, else AWS for the region)")),
                P("region", Str("AWS region (default: the ARN's, else AWS_REGION)")),
                P("starting_position", Enum("where a shard without a checkpoint starts (default TRIM_HORIZON)", StartingPositions)),
                P("starting_timestamp", Str("ISO-8601 time with offset for AT_TIMESTAMP, e.g. 2026-01-02T03:00:00Z")),
                P("access_key_id", Str("prefer the standard AWS chain")),
                P("secret_access_key", Str("${ENV_VAR} or file:PATH; never printed"))))));

    private static readonly ObjectSchema Principals = Obj("IAM principals",
        P("aws", List(Str(), "AWS principal ARNs")),
        P("federated", List(Str(), "federated principal ARNs")));

    private static readonly ObjectSchema Terraform = Obj("Settings only the AWS Terraform module uses (dativo stream tfvars)",
        P("project_name", Str("resource base name; resources are named <project_name>-<env> (default: the stream name)")),
        P("env", Enum("deployment environment (default Dev)", "Dev", "Test", "Prod")),
        P("log_group_name", Str("existing CloudWatch log group for the delivery logs")),
        P("kinesis_data_producers", Principals),
        P("s3_data_consumers", Principals),
        P("retention_period", Int("Kinesis retention in hours (default 24)", min: 24, max: 8760)),
        P("stream_mode", Enum("Kinesis capacity mode (default ON_DEMAND)", "ON_DEMAND", "PROVISIONED")),
        P("shard_count", Int("shards when stream_mode is PROVISIONED (default 1)", min: 1)),
        P("kms_key_id", Str("KMS key id, ARN or alias; required by use_kms_for_kinesis / use_kms_for_s3")),
        P("use_kms_for_kinesis", Bool()),
        P("use_kms_for_s3", Bool()));

    public static readonly ObjectSchema Stream = Obj("A delivery stream",
        Req("name", new StringSchema { Description = "1-64 characters: letters, digits, '_', '.', '-'", Pattern = StreamNamePattern }),
        P("buffering_size", Int($"MiB buffered per partition before delivery, 1-128 (default {DefaultBufferingSizeMiB})", min: 1, max: 128)),
        P("buffering_interval", Int($"seconds a partition buffers before delivery, 0-900 (default {DefaultBufferingIntervalSeconds})", min: 0, max: 900)),
        P("compression_format", Enum("object compression (default GZIP)", CompressionFormats)),
        P("enable_dynamic_partitioning", Bool("partition by keys from the records (default false)")),
        P("dynamic_partitioning_config", DynamicPartitioning),
        P("data_transformation", Transformation),
        P("record_format_conversion", FormatConversion),
        Req("destination", Destination),
        P("max_active_partitions", Int($"partitions buffered at once; records beyond go to the error prefix (default {DefaultMaxActivePartitions})", min: 1, max: 5000)),
        P("alarms", Alarms),
        P("source", Source),
        P("auth", Auth),
        P("terraform", Terraform));

    public static readonly ObjectSchema Root = Obj("Dativo delivery streams (Firehose-compatible)",
        P("port", Int($"HTTP port of the service (default {DefaultPort})", min: 1, max: 65535)),
        P("bind", Str("address the service listens on (default 127.0.0.1)")),
        P("data_dir", Str("write-ahead log and checkpoints, relative to this file (default .dativo-stream)")),
        P("wal_budget_mb", Int($"disk the write-ahead log may use before writers are slowed down (default {DefaultWalBudgetMiB})", min: 1)),
        P("state", Str("state store of Kinesis checkpoints and shard leases: a SQLite file (relative to this file), sqlite:///PATH, postgresql://… or dynamodb://TABLE?region=… (default: state.db in data_dir)")),
        P("auth", Auth),
        Req("streams", List(Stream, "the delivery streams")));

    public static void Register() => PublishedSchemas.Register("stream.schema.json", "Dativo delivery streams", Root);
}
