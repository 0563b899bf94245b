using Dativo.Core.Config;
using Dativo.Streaming.Config;

namespace Dativo.Streaming.Tests.Config;

/// <summary>The delivery-stream file: defaults, one test per validation rule, and a file with many mistakes.</summary>
public sealed class StreamConfigTests : IDisposable
{
    private readonly StreamFile _f = new();

    public void Dispose() => _f.Dispose();

    /// <summary>A valid stream with dynamic partitioning, the seed module's own test values; <paramref name="extra"/> is inserted into the stream.</summary>
    private static string Partitioned(string extra = "") => $$"""
        streams:
          - name: clicks
            buffering_size: 64
            enable_dynamic_partitioning: true
            dynamic_partitioning_config:
              jq_metadata_query: "{customer_id:.customer_id}"
              s3_dynamic_prefix: "data/customer_id=!{partitionKeyFromQuery:customer_id}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
              s3_error_prefix: "errors/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/!{firehose:error-output-type}/"
        {{extra}}
            destination:
              local: {path: out}
        """;

    [Fact]
    public void A_minimal_file_gets_firehose_defaults()
    {
        var loaded = _f.Load("""
            streams:
              - name: clicks
                destination:
                  local: {path: out}
            """);
        Assert.Equal(4573, loaded.Port);
        Assert.Equal("127.0.0.1", loaded.Bind);
        Assert.Equal(Path.Combine(_f.Dir, ".dativo-stream"), loaded.DataDir);
        var s = Assert.Single(loaded.Streams);
        Assert.Equal("clicks", s.Name);
        Assert.Equal(5L * 1024 * 1024, s.BufferingSizeBytes);
        Assert.Equal(TimeSpan.FromSeconds(300), s.BufferingInterval);
        Assert.Equal(CompressionFormat.Gzip, s.Compression);
        Assert.Equal(500, s.MaxActivePartitions);
        Assert.Equal(AlarmSettings.Default, s.Alarms);
        Assert.IsType<DirectPutSource>(s.Source);
        Assert.IsType<NoAuth>(s.Auth);
        Assert.Equal(new LocalDestination(Path.Combine(_f.Dir, "out")), s.Destination);
        Assert.False(s.ProcessingEnabled);
        Assert.Null(s.Prefix);
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void The_seed_module_dynamic_partitioning_test_values_load()
    {
        var s = Assert.Single(_f.Load(Partitioned()).Streams);
        Assert.True(s.DynamicPartitioning);
        Assert.Equal(["customer_id"], s.QueryKeys);
        Assert.Equal("customer_id", Assert.Single(s.Prefix!.PartitionKeys).Key);
        Assert.Contains(s.ErrorPrefix!.Parts, p => p is ErrorOutputTypePart);
    }

    [Fact]
    public void Unknown_keys_are_rejected_with_a_near_miss()
    {
        var e = _f.SingleError("""
            streams:
              - name: clicks
                buffering_sise: 10
                destination:
                  local: {path: out}
            """, 3, "unknown key 'buffering_sise' (did you mean 'buffering_size'?)");
        Assert.Equal("streams[0].buffering_sise", e.KeyPath);
    }

    [Theory]
    [InlineData("buffering_size: 0", "must be at least 1")]
    [InlineData("buffering_size: 129", "must be at most 128")]
    [InlineData("buffering_interval: 901", "must be at most 900")]
    [InlineData("buffering_interval: -1", "must be at least 0")]
    [InlineData("max_active_partitions: 5001", "must be at most 5000")]
    [InlineData("compression_format: gzip", "(did you mean 'GZIP'?)")]
    [InlineData("compression_format: SNAPPY", "is not one of: GZIP, ZSTD, UNCOMPRESSED")]
    public void Buffering_hints_and_compression_follow_firehose_ranges(string line, string message) =>
        _f.SingleError($"""
            streams:
              - name: clicks
                {line}
                destination:
                  local: {"{path: out}"}
            """, 3, message);

    [Fact]
    public void Zero_buffering_interval_and_zstd_are_accepted()
    {
        var s = Assert.Single(_f.Load("""
            streams:
              - name: clicks
                buffering_interval: 0
                compression_format: ZSTD
                destination:
                  local: {path: out}
            """).Streams);
        Assert.Equal(TimeSpan.Zero, s.BufferingInterval);
        Assert.Equal(CompressionFormat.Zstd, s.Compression);
    }

    [Fact]
    public void An_error_prefix_is_required_when_the_prefix_has_expressions()
    {
        _f.SingleError("""
            streams:
              - name: clicks
                dynamic_partitioning_config:
                  s3_dynamic_prefix: "!{timestamp:yyyy/MM/dd}"
                destination:
                  local: {path: out}
            """, 4, "s3_error_prefix is required when the prefix has expressions");
        // a literal prefix needs none (Firehose appends the default time prefix)
        var s = Assert.Single(_f.Load("""
            streams:
              - name: clicks
                dynamic_partitioning_config: {s3_dynamic_prefix: myFirehosePrefix}
                destination:
                  local: {path: out}
            """).Streams);
        Assert.Equal(("myFirehosePrefix!{timestamp:yyyy/MM/dd/HH/}", "myFirehosePrefix!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH/}"), s.EffectivePrefixes);
    }

    [Fact]
    public void The_error_prefix_must_contain_the_error_output_type() =>
        _f.SingleError(Partitioned().Replace("/!{firehose:error-output-type}/\"", "/\"", StringComparison.Ordinal), 8,
            "must contain !{firehose:error-output-type}");

    [Fact]
    public void The_error_output_type_is_only_allowed_in_the_error_prefix() =>
        _f.SingleError("""
            streams:
              - name: clicks
                dynamic_partitioning_config:
                  s3_dynamic_prefix: "data/!{firehose:error-output-type}/"
                  s3_error_prefix: "errors/!{firehose:error-output-type}/"
                destination:
                  local: {path: out}
            """, 4, "allowed only in s3_error_prefix");

    [Fact]
    public void Partition_key_namespaces_need_dynamic_partitioning()
    {
        var e = _f.SingleError(Partitioned().Replace("enable_dynamic_partitioning: true", "enable_dynamic_partitioning: false", StringComparison.Ordinal)
            .Replace("jq_metadata_query: \"{customer_id:.customer_id}\"", "enable_newline_appending: true", StringComparison.Ordinal), 7,
            "partition key namespaces can only be part of a prefix when dynamic partitioning is enabled");
        Assert.Equal("streams[0].dynamic_partitioning_config.s3_dynamic_prefix", e.KeyPath);
    }

    [Fact]
    public void A_jq_query_needs_dynamic_partitioning() =>
        _f.SingleError("""
            streams:
              - name: clicks
                dynamic_partitioning_config:
                  jq_metadata_query: "{customer_id:.customer_id}"
                destination:
                  local: {path: out}
            """, 4, "a jq query runs only with dynamic partitioning");

    [Fact]
    public void The_jq_query_must_define_every_partition_key_the_prefix_uses() =>
        _f.SingleError(Partitioned().Replace("{customer_id:.customer_id}", "{customer:.customer_id, year: .ts | strftime(\\\"%Y\\\")}", StringComparison.Ordinal), 7,
            "the jq query defines no key 'customer_id' (did you mean 'customer'?) (it defines customer, year)");

    [Fact]
    public void The_jq_query_must_build_an_object() =>
        _f.SingleError(Partitioned().Replace("{customer_id:.customer_id}", ".customer_id", StringComparison.Ordinal), 6,
            "must end by building an object of partition keys");

    [Fact]
    public void Dynamic_partitioning_requires_query_prefix_and_error_prefix()
    {
        // the seed module checked prefix OR error prefix; all three are needed
        var errors = _f.Errors("""
            streams:
              - name: clicks
                enable_dynamic_partitioning: true
                buffering_size: 64
                dynamic_partitioning_config:
                  s3_error_prefix: "errors/!{firehose:error-output-type}/"
                destination:
                  local: {path: out}
            """);
        var e = Assert.Single(errors);
        Assert.Equal(6, e.Line);
        Assert.Contains("needs s3_dynamic_prefix", e.Message, StringComparison.Ordinal);

        var noQuery = _f.SingleError(Partitioned().Replace("jq_metadata_query: \"{customer_id:.customer_id}\"", "enable_newline_appending: false", StringComparison.Ordinal), 7,
            "needs jq_metadata_query to define 'customer_id'");
        Assert.Equal("streams[0].dynamic_partitioning_config.s3_dynamic_prefix", noQuery.KeyPath);

        var noErrorPrefix = _f.Errors(Partitioned().Replace("s3_error_prefix:", "s3_error_prefix_x:", StringComparison.Ordinal));
        Assert.Equal([(7, true), (8, true)], noErrorPrefix.Select(x => (x.Line,
            x.Message.Contains("s3_error_prefix is required", StringComparison.Ordinal) || x.Message.Contains("did you mean 's3_error_prefix'?", StringComparison.Ordinal))));
    }

    [Fact]
    public void A_partitioned_prefix_must_use_a_partition_key() =>
        _f.SingleError(Partitioned().Replace("data/customer_id=!{partitionKeyFromQuery:customer_id}/", "data/", StringComparison.Ordinal), 7,
            "must use at least one partition key");

    [Fact]
    public void Keys_from_the_lambda_need_a_transformation()
    {
        _f.SingleError(Partitioned().Replace("partitionKeyFromQuery", "partitionKeyFromLambda", StringComparison.Ordinal)
            .Replace("jq_metadata_query: \"{customer_id:.customer_id}\"", "enable_newline_appending: false", StringComparison.Ordinal), 7,
            "takes keys from the transformation");
        var s = Assert.Single(_f.Load(Partitioned("""
                data_transformation:
                  command: [python3, transform.py]
            """).Replace("partitionKeyFromQuery", "partitionKeyFromLambda", StringComparison.Ordinal)
            .Replace("jq_metadata_query: \"{customer_id:.customer_id}\"", "enable_newline_appending: false", StringComparison.Ordinal)).Streams);
        Assert.Equal(["python3", "transform.py"], s.Transformation!.Command);
        Assert.True(s.ProcessingEnabled);
    }

    [Theory]
    [InlineData("data/!{timestamp:yyyy/month}/", "pattern letter 'o' is not supported")]
    [InlineData("data/!{timestamp:'year=yyyy}/", "a single quote is not closed")]
    [InlineData("data/!{timstamp:yyyy}/", "unknown namespace 'timstamp' (did you mean 'timestamp'?)")]
    [InlineData("data/!{firehose:random-strng}/", "unknown value (did you mean 'random-string'?)")]
    [InlineData("data/!{timestamp:yyyy/", "never closed")]
    [InlineData("data/!{yyyy}/", "has no namespace")]
    public void Prefix_syntax_errors_are_reported(string prefix, string message) =>
        _f.SingleError($$"""
            streams:
              - name: clicks
                dynamic_partitioning_config:
                  s3_dynamic_prefix: "{{prefix}}"
                  s3_error_prefix: "errors/!{firehose:error-output-type}/"
                destination:
                  local: {path: out}
            """, 4, message);

    [Fact]
    public void Delimited_deaggregation_needs_a_base64_delimiter()
    {
        string Deagg(string config) => $$"""
            streams:
              - name: clicks
                dynamic_partitioning_config:
                  enable_record_deaggregation: true
                  record_deaggregation_config: {{config}}
                destination:
                  local: {path: out}
            """;
        _f.SingleError(Deagg("{type: DELIMITED}"), 5, "type DELIMITED needs a delimiter");
        // the seed module accepted 'Delimited' and then never sent the delimiter
        _f.SingleError(Deagg("{type: Delimited, delimiter: IyMjIw==}"), 5, "(did you mean 'DELIMITED'?)");
        _f.SingleError(Deagg("{type: DELIMITED, delimiter: '####'}"), 5, "is not base64");
        var s = Assert.Single(_f.Load(Deagg("{type: DELIMITED, delimiter: IyMjIw==}")).Streams);
        Assert.Equal(DeaggregationType.Delimited, s.Deaggregation!.Type);
        Assert.Equal("####"u8.ToArray(), s.Deaggregation.Delimiter);
    }

    [Fact]
    public void Processing_is_enabled_whenever_any_processor_is_configured()
    {
        // the seed computed lambda || (dp && coalesce(newline, deagg, false)): false for a jq query alone and for de-aggregation alone
        Assert.True(Assert.Single(_f.Load(Partitioned()).Streams).ProcessingEnabled);
        string With(string dp) => $"""
            streams:
              - name: clicks
                dynamic_partitioning_config: {dp}
                destination:
                  local: {"{path: out}"}
            """;
        Assert.True(Assert.Single(_f.Load(With("{enable_record_deaggregation: true}")).Streams).ProcessingEnabled);
        Assert.True(Assert.Single(_f.Load(With("{enable_newline_appending: true}")).Streams).ProcessingEnabled);
        Assert.False(Assert.Single(_f.Load(With("{enable_newline_appending: false}")).Streams).ProcessingEnabled);
        Assert.True(Assert.Single(_f.Load(Partitioned("""
                data_transformation:
                  http: {url: "http://127.0.0.1:9000/transform"}
            """).Replace("jq_metadata_query: \"{customer_id:.customer_id}\"", "enable_newline_appending: false", StringComparison.Ordinal)
            .Replace("partitionKeyFromQuery", "partitionKeyFromLambda", StringComparison.Ordinal)).Streams).ProcessingEnabled);
    }

    [Fact]
    public void Stream_names_are_unique_and_follow_firehose_rules()
    {
        var errors = _f.Errors("""
            streams:
              - name: clicks
                destination: {local: {path: a}}
              - name: clicks
                destination: {local: {path: b}}
              - name: "bad name!"
                destination: {local: {path: c}}
            """);
        Assert.Equal(2, errors.Count);
        Assert.Equal(4, errors[0].Line);
        Assert.Contains("'clicks' is already used by streams[0] (line 2)", errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(6, errors[1].Line);
        Assert.Contains("does not match the pattern", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auth_none_is_accepted_only_on_a_loopback_bind()
    {
        _f.SingleError("""
            bind: 0.0.0.0
            auth: none
            streams:
              - name: clicks
                destination: {local: {path: out}}
            """, 2, "auth: none is accepted only when the service binds a loopback address");
        _f.SingleError("""
            bind: 0.0.0.0
            streams:
              - name: clicks
                destination: {local: {path: out}}
            """, 3, "which other machines reach: give the stream (or the file) auth");
        Assert.IsType<NoAuth>(Assert.Single(_f.Load("""
            bind: "::1"
            auth: none
            streams:
              - name: clicks
                destination: {local: {path: out}}
            """).Streams).Auth);
    }

    [Fact]
    public void Sigv4_secrets_come_from_the_environment_or_a_file_and_are_never_printed()
    {
        const string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        File.WriteAllText(Path.Combine(_f.Dir, "secret.txt"), secret + "\n");
        var loaded = _f.Load("""
            bind: 0.0.0.0
            auth: {sigv4: {access_key_id: AKIDEXAMPLE, secret_access_key: "${STREAM_SECRET}"}}
            streams:
              - name: from-env
                destination: {local: {path: out}}
              - name: from-file
                auth: {sigv4: {access_key_id: AKIDFILE, secret_access_key: "file:secret.txt"}}
                destination: {local: {path: out}}
            """, name => name == "STREAM_SECRET" ? secret : null);
        var env = Assert.IsType<SigV4Auth>(loaded.Streams[0].Auth);
        var file = Assert.IsType<SigV4Auth>(loaded.Streams[1].Auth);
        Assert.Equal(("AKIDEXAMPLE", secret), (env.AccessKeyId, env.SecretAccessKey.Reveal()));
        Assert.Equal(("AKIDFILE", secret), (file.AccessKeyId, file.SecretAccessKey.Reveal()));
        Assert.Empty(loaded.Warnings);
        Assert.DoesNotContain(secret, loaded.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, loaded.Streams[0].ToString(), StringComparison.Ordinal);

        // an error elsewhere in the file, a missing secret file, a clear-text secret: messages never hold the value
        var e = Assert.Throws<ConfigException>(() => StreamConfigLoader.Load(_f.Write($"""
            auth: {"{"}sigv4: {"{"}access_key_id: AKID, secret_access_key: "{secret}"{"}}"}
            streams:
              - name: clicks
                buffering_size: 500
                destination: {"{local: {path: out}}"}
              - name: other
                auth: {"{sigv4: {access_key_id: AKID, secret_access_key: \"file:missing.txt\"}}"}
                destination: {"{local: {path: out}}"}
            """), _ => null));
        Assert.DoesNotContain(secret, e.Message, StringComparison.Ordinal);
        Assert.Contains(e.Issues, i => i.Severity == IssueSeverity.Warning && i.Message.Contains("the secret is written in the file", StringComparison.Ordinal));
        Assert.Contains(e.Issues, i => i.Line == 7 && i.Message.Contains("secret file not found", StringComparison.Ordinal));
        Assert.DoesNotContain(e.Issues, i => i.Message.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public void Transformations_name_exactly_one_runnable_endpoint()
    {
        string With(string t) => $"""
            streams:
              - name: clicks
                data_transformation: {t}
                destination:
                  local: {"{path: out}"}
            """;
        _f.SingleError(With("{buffering_size: 1}"), 3, "names no transformation");
        _f.SingleError(With("{http: {url: \"http://x/\"}, command: [a]}"), 3, "either http or command");
        _f.SingleError(With("{http: {url: \"ftp://x/\"}}"), 3, "not an http:// or https:// URL");
        _f.SingleError(With("{command: [a], buffering_size: 4}"), 3, "between 0.2 and 3 MiB");
        _f.SingleError(With("{lambda_arn: \"arn:aws:lambda:us-east-2:123:function:f\"}"), 3, "is not a Lambda function ARN");
        var loaded = _f.Load(With("{lambda_arn: \"arn:aws:lambda:us-east-2:123456789012:function:my-function:1\"}"));
        Assert.Contains("dativo stream serve cannot call a Lambda", Assert.Single(loaded.Warnings).Message, StringComparison.Ordinal);
        Assert.False(loaded.Streams[0].Transformation!.Runnable);
    }

    [Fact]
    public void A_stream_delivers_to_exactly_one_destination()
    {
        _f.SingleError("""
            streams:
              - name: clicks
                destination: {local: {path: a}, s3: {bucket: b}}
            """, 3, "names local and s3");
        _f.SingleError("""
            streams:
              - name: clicks
                destination: {}
            """, 3, "names no destination");
        _f.SingleError("""
            streams:
              - name: clicks
            """, 2, "missing required key 'destination'");
        _f.SingleError("""
            streams:
              - name: clicks
                destination:
                  iceberg: {warehouse: lake, table: clicks}
            """, 4, "add record_format_conversion");
    }

    [Fact]
    public void Record_format_conversion_reads_its_contract_and_writes_uncompressed_objects()
    {
        File.WriteAllText(Path.Combine(_f.Dir, "clicks.yaml"), """
            apiVersion: v3.0.2
            kind: DataContract
            name: clicks
            version: "1.0"
            schema:
              - {name: customer_id, type: string, required: true}
              - {name: ts, type: long}
            team: {owner: data@example.com}
            """);
        string With(string extra) => $"""
            streams:
              - name: clicks
            {extra}
                record_format_conversion: {"{contract: clicks.yaml}"}
                destination:
                  iceberg: {"{warehouse: lake, table: clicks}"}
            """;
        var s = Assert.Single(_f.Load(With("")).Streams);
        Assert.Equal(CompressionFormat.Uncompressed, s.Compression);
        Assert.Equal("SNAPPY", s.FormatConversion!.ParquetCompression);
        Assert.Equal(["customer_id", "ts"], s.FormatConversion.Contract.Fields.Select(f => f.Name));
        _f.SingleError(With("    compression_format: GZIP"), 3, "cannot apply to Parquet files");
        _f.SingleError(With("").Replace("clicks.yaml", "nope.yaml", StringComparison.Ordinal), 4, "contract file not found");
    }

    [Fact]
    public void Alarm_thresholds_periods_and_subscriptions_are_checked()
    {
        string With(string alarms) => $"""
            streams:
              - name: clicks
                alarms: {alarms}
                destination:
                  local: {"{path: out}"}
            """;
        _f.SingleError(With("{high_threshold: 10, low_threshold: 10}"), 3, "must be above low_threshold");
        _f.SingleError(With("{period_s: 90}"), 3, "is not a CloudWatch period");
        _f.SingleError(With("{subscriptions: [ops]}"), 3, "neither an http(s) webhook URL nor an e-mail address");
        var a = Assert.Single(_f.Load(With("{low_threshold: 0, period_s: 60, subscriptions: [\"https://hooks.example.com/x\", ops@example.com]}")).Streams).Alarms;
        Assert.Equal((1000L, 0L, TimeSpan.FromMinutes(1)), (a.HighThreshold, a.LowThreshold, a.Period));
        Assert.Equal([new Uri("https://hooks.example.com/x")], a.Webhooks);
        Assert.Equal(["ops@example.com"], a.EmailAddresses);
    }

    [Fact]
    public void A_kinesis_source_names_its_stream_and_endpoint()
    {
        var s = Assert.Single(_f.Load("""
            streams:
              - name: clicks
                source: {kinesis: {stream_name: clicks-in, endpoint: "http://127.0.0.1:4567"}}
                destination: {local: {path: out}}
            """).Streams);
        Assert.Equal(new KinesisSource("clicks-in", null, new Uri("http://127.0.0.1:4567"), null, "TRIM_HORIZON"), s.Source);
        _f.SingleError("""
            streams:
              - name: clicks
                source: {kinesis: {stream_name: clicks-in, endpoint: "127.0.0.1:4567"}}
                destination: {local: {path: out}}
            """, 3, "is not an http:// or https:// URL");
        _f.SingleError("""
            streams:
              - name: clicks
                source: direct-put
                destination: {local: {path: out}}
            """, 3, "(did you mean 'direct_put'?)");
    }

    [Fact]
    public void Terraform_only_settings_are_checked_too() =>
        _f.SingleError("""
            streams:
              - name: clicks
                destination: {local: {path: out}}
                terraform:
                  use_kms_for_s3: true
            """, 5, "use_kms_for_s3 is true: give kms_key_id");

    [Fact]
    public void Limits_of_the_managed_service_only_warn()
    {
        var loaded = _f.Load(Partitioned().Replace("buffering_size: 64", "buffering_size: 8", StringComparison.Ordinal));
        var w = Assert.Single(loaded.Warnings);
        Assert.Equal(3, w.Line);
        Assert.Contains("needs buffering_size >= 64 MiB", w.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_with_several_mistakes_reports_them_all_with_lines()
    {
        var errors = _f.Errors("""
            port: 70000
            bind: 0.0.0.0
            auth: none
            streams:
              - name: clicks
                buffering_size: 256
                compresion_format: GZIP
                enable_dynamic_partitioning: true
                dynamic_partitioning_config:
                  jq_metadata_query: "{customer:.customer_id}"
                  s3_dynamic_prefix: "data/!{partitionKeyFromQuery:customer_id}/"
                  s3_error_prefix: "errors/"
                  enable_record_deaggregation: true
                  record_deaggregation_config: {type: DELIMITED}
                destination: {local: {path: out}}
              - name: clicks
                destination: {local: {path: out}}
            """);
        Assert.Equal(
        [
            (1, "must be at most 65535"),
            (3, "auth: none is accepted only when the service binds a loopback address"),
            (6, "must be at most 128"),
            (7, "unknown key 'compresion_format' (did you mean 'compression_format'?)"),
            (11, "the jq query defines no key 'customer_id'"),
            (12, "must contain !{firehose:error-output-type}"),
            (14, "type DELIMITED needs a delimiter"),
            (16, "stream name 'clicks' is already used by streams[0]"),
        ], errors.Select(e => (e.Line, Prefix(e.Message))).ToList());

        string Prefix(string message) => new[]
        {
            "must be at most 65535", "auth: none is accepted only when the service binds a loopback address", "must be at most 128",
            "unknown key 'compresion_format' (did you mean 'compression_format'?)", "the jq query defines no key 'customer_id'",
            "must contain !{firehose:error-output-type}", "type DELIMITED needs a delimiter", "stream name 'clicks' is already used by streams[0]",
        }.FirstOrDefault(m => message.Contains(m, StringComparison.Ordinal)) ?? message;
    }
}
