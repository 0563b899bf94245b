using Dativo.Streaming.Tests.Config;

namespace Dativo.Streaming.Tests;

/// <summary>Mistakes in <c>source: {kinesis: …}</c>, each reported at its file:line with how to fix it.</summary>
public sealed class KinesisConfigTests : IDisposable
{
    private readonly StreamFile _f = new();

    public void Dispose() => _f.Dispose();

    private static string WithKinesis(string kinesis) => $$$"""
        streams:
          - name: clicks
            destination: {local: {path: out}}
            source:
              kinesis:
        {{{kinesis}}}
        """;

    [Fact]
    public void A_kinesis_source_without_a_stream_name_is_refused_at_its_line() =>
        _f.SingleError(WithKinesis("        region: eu-west-1"), 6, "name the Kinesis data stream to read: stream_name");

    [Fact]
    public void An_unknown_starting_position_is_refused_at_its_line() =>
        _f.SingleError(WithKinesis("        stream_name: clicks-in\n        starting_position: EARLIEST"), 7, "TRIM_HORIZON");

    [Fact]
    public void At_timestamp_needs_a_timestamp_and_a_timestamp_needs_at_timestamp()
    {
        _f.SingleError(WithKinesis("        stream_name: clicks-in\n        starting_position: AT_TIMESTAMP"), 7, "AT_TIMESTAMP needs starting_timestamp");
        _f.SingleError(WithKinesis("        stream_name: clicks-in\n        starting_timestamp: 2026-01-02T03:00:00Z"), 7, "applies only with starting_position: AT_TIMESTAMP");
        _f.SingleError(WithKinesis("        stream_name: clicks-in\n        starting_position: AT_TIMESTAMP\n        starting_timestamp: yesterday"), 8, "is not an ISO-8601 time");
    }

    [Fact]
    public void A_stream_is_named_once_by_a_valid_name_or_arn()
    {
        _f.SingleError(WithKinesis("        stream_name: clicks-in\n        stream_arn: arn:aws:kinesis:eu-west-1:123456789012:stream/clicks-in"), 7, "not both");
        _f.SingleError(WithKinesis("        stream_arn: arn:aws:sqs:eu-west-1:123456789012:clicks-in"), 6, "is not a Kinesis stream ARN");
        _f.SingleError(WithKinesis("        stream_name: clicks/in"), 6, "is not a Kinesis stream name");
        _f.SingleError(WithKinesis("        stream_arn: arn:aws:kinesis:eu-west-1:123456789012:stream/clicks-in\n        region: us-east-1"), 7, "differs from the stream ARN's region");
        _f.SingleError(WithKinesis("        stream_name: clicks-in\n        access_key_id: AKID"), 7, "access_key_id and secret_access_key go together");
    }

    [Fact]
    public void An_unsupported_state_store_is_refused_at_its_line() =>
        _f.SingleError("""
            state: redis://127.0.0.1/0
            streams:
              - name: clicks
                destination: {local: {path: out}}
            """, 1, "unsupported state store scheme 'redis://'");
}
