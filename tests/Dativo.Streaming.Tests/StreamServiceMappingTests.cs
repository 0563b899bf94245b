using Dativo.Core.Errors;
using Dativo.Streaming.Config;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Runtime;
using Dativo.Testing;

namespace Dativo.Streaming.Tests;

/// <summary>The stream file, validated by the configuration model, becomes the settings the runtime runs.</summary>
public sealed class StreamServiceMappingTests
{
    [Fact]
    public void A_stream_file_maps_onto_the_runtime_settings()
    {
        using var dir = new TempDir();
        var file = dir.File("streams.yaml", """
            data_dir: data
            streams:
              - name: events
                buffering_size: 64
                buffering_interval: 60
                compression_format: ZSTD
                enable_dynamic_partitioning: true
                dynamic_partitioning_config:
                  jq_metadata_query: "{k: .k}"
                  s3_dynamic_prefix: "events/k=!{partitionKeyFromQuery:k}/"
                  s3_error_prefix: "errors/!{firehose:error-output-type}/"
                  enable_newline_appending: true
                  enable_record_deaggregation: true
                  record_deaggregation_config: {type: DELIMITED, delimiter: IyMjIw==}
                data_transformation: {command: [/bin/cat], retries: 2}
                destination: {local: {path: lake}}
                auth: {sigv4: {access_key_id: AKIDEVENTS, secret_access_key: "${EVENTS_SECRET}"}}
            """);
        var loaded = StreamConfigLoader.Load(file, name => name == "EVENTS_SECRET" ? "s3cret" : null);
        var settings = StreamServiceMapping.ToServiceSettings(loaded, portOverride: 0);
        var s = Assert.Single(settings.Streams);
        Assert.Equal(0, settings.Port);
        Assert.Equal(Path.Combine(dir.Path, "data"), settings.DataDirectory);
        Assert.Equal("s3cret", settings.Auth.SigV4Keys["AKIDEVENTS"]);
        Assert.Equal(["AKIDEVENTS"], s.AllowedAccessKeys!);
        Assert.Equal((64, 60, Runtime.CompressionFormat.Zstd), (s.BufferingSizeMiB, s.BufferingIntervalSeconds, s.Compression));
        Assert.Equal("events/k=!{partitionKeyFromQuery:k}/", s.Prefix);
        Assert.Equal("####"u8.ToArray(), s.Deaggregation!.Delimiter);
        Assert.Equal(3, s.Transformation!.Attempts);
        Assert.Equal(["/bin/cat"], s.Transformation.Command!);
        Assert.Equal(Path.Combine(dir.Path, "lake"), s.Destination);
        Assert.Equal((1000L, 50L, 300), (s.Alarms!.HighThreshold, s.Alarms.LowThreshold, s.Alarms.PeriodSeconds));
    }

    [Fact]
    public void Format_conversion_and_an_iceberg_destination_map_onto_the_runtime_settings()
    {
        using var dir = new TempDir();
        dir.File("clicks.yaml", ContractKit.Yaml);
        var file = dir.File("streams.yaml", """
            streams:
              - name: clicks
                compression_format: UNCOMPRESSED
                record_format_conversion: {contract: clicks.yaml, compression: GZIP}
                destination: {iceberg: {warehouse: lake, table: clicks}}
              - name: raw
                compression_format: UNCOMPRESSED
                record_format_conversion: {contract: clicks.yaml}
                destination: {iceberg: {warehouse: lake, catalog: none, table: raw}}
            """);
        var loaded = StreamConfigLoader.Load(file, _ => null);
        var s = StreamServiceMapping.ToServiceSettings(loaded with { Streams = [loaded.Streams[0]] }).Streams.Single();
        Assert.Equal(("clicks", "GZIP"), (s.FormatConversion!.Contract.Name, s.FormatConversion.ParquetCompression));
        // the namespace defaults to the contract's domain; failed records go beside the tables
        Assert.Equal(new IcebergDestinationSettings(Path.Combine(dir.Path, "lake"), null, "web", "clicks"), s.Iceberg);
        Assert.Equal(Path.Combine(dir.Path, "lake", "_errors", "clicks"), s.Destination);
        var e = Assert.Throws<DativoException>(() => StreamServiceMapping.ToServiceSettings(loaded));
        Assert.Contains("streams[1] (raw): destination.iceberg.catalog 'none' is not served", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void What_the_service_cannot_run_yet_is_refused_naming_the_key()
    {
        using var dir = new TempDir();
        var file = dir.File("streams.yaml", """
            streams:
              - name: events
                data_transformation: {lambda_arn: "arn:aws:lambda:us-east-1:123456789012:function:f"}
                destination: {local: {path: lake}}
            """);
        var e = Assert.Throws<DativoException>(() => StreamServiceMapping.ToServiceSettings(StreamConfigLoader.Load(file, _ => null)));
        Assert.Contains("streams[0] (events): data_transformation names only a Lambda ARN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kinesis_source_maps_onto_the_consumer_settings()
    {
        using var dir = new TempDir();
        var file = dir.File("streams.yaml", """
            state: state/kinesis.db
            streams:
              - name: events
                source:
                  kinesis:
                    stream_arn: arn:aws:kinesis:eu-west-1:123456789012:stream/events-in
                    starting_position: LATEST
                    access_key_id: AKIDK
                    secret_access_key: "${K_SECRET}"
                destination: {local: {path: lake}}
            """);
        var settings = StreamServiceMapping.ToServiceSettings(StreamConfigLoader.Load(file, n => n == "K_SECRET" ? "ksecret" : null));
        var k = settings.Streams[0].KinesisSource!;
        Assert.Equal(Path.Combine(dir.Path, "state", "kinesis.db"), settings.StateUri);
        Assert.Equal(("events-in", "arn:aws:kinesis:eu-west-1:123456789012:stream/events-in", "eu-west-1"), (k.StreamName, k.StreamArn, k.Region));
        Assert.Equal(Sources.Kinesis.KinesisStartingPosition.Latest, k.StartingPosition);
        Assert.Equal(("AKIDK", "ksecret"), (k.AccessKeyId, k.SecretAccessKey));
    }
}
