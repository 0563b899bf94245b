using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Dativo.Streaming.Config;

internal static partial class StreamRules
{
    /// <summary><c>source: {kinesis: …}</c>: exactly one of stream_name / stream_arn, a timestamp exactly with AT_TIMESTAMP, keys in pairs.</summary>
    private static KinesisSource? Kinesis(JsonObject k, string path, StreamConfigContext ctx)
    {
        var ok = true;
        Uri? endpoint = null;
        if (Text(k, "endpoint") is { } e && (!Uri.TryCreate(e, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            ctx.Error($"{path}.endpoint", $"'{e}' is not an http:// or https:// URL");
            ok = false;
        }

        var name = Text(k, "stream_name");
        var arn = Text(k, "stream_arn");
        var region = Text(k, "region");
        if (name is null && arn is null)
        {
            ctx.Error(path, "name the Kinesis data stream to read: stream_name: NAME (or stream_arn: arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)");
            ok = false;
        }
        else if (name is not null && arn is not null)
        {
            ctx.Error($"{path}.stream_arn", "give stream_name or stream_arn, not both");
            ok = false;
        }
        else if (name is not null && !KinesisStreamName().IsMatch(name))
        {
            ctx.Error($"{path}.stream_name", $"'{name}' is not a Kinesis stream name: 1-128 of letters, digits, _ . -");
            ok = false;
        }
        else if (arn is not null)
        {
            var m = KinesisStreamArn().Match(arn);
            if (!m.Success)
            {
                ctx.Error($"{path}.stream_arn", $"'{arn}' is not a Kinesis stream ARN: arn:aws:kinesis:REGION:ACCOUNT:stream/NAME");
                ok = false;
            }
            else
            {
                name = m.Groups["name"].Value;
                if (region is not null && region != m.Groups["region"].Value)
                {
                    ctx.Error($"{path}.region", $"region {region} differs from the stream ARN's region {m.Groups["region"].Value}: remove region (the ARN's applies)");
                    ok = false;
                }
                region ??= m.Groups["region"].Value;
            }
        }

        var position = Text(k, "starting_position") ?? "TRIM_HORIZON";
        DateTimeOffset? timestamp = null;
        if (Text(k, "starting_timestamp") is { } ts)
        {
            if (position != "AT_TIMESTAMP")
            {
                ctx.Error($"{path}.starting_timestamp", "applies only with starting_position: AT_TIMESTAMP; remove it or set starting_position: AT_TIMESTAMP");
                ok = false;
            }
            else if (!ts.Contains('T', StringComparison.Ordinal)
                || !DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                ctx.Error($"{path}.starting_timestamp", $"'{ts}' is not an ISO-8601 time; write e.g. 2026-01-02T03:00:00Z");
                ok = false;
            }
            else timestamp = parsed;
        }
        else if (position == "AT_TIMESTAMP")
        {
            ctx.Error($"{path}.starting_position", "AT_TIMESTAMP needs starting_timestamp: an ISO-8601 time such as 2026-01-02T03:00:00Z");
            ok = false;
        }

        var keyId = Text(k, "access_key_id");
        var rawSecret = Text(k, "secret_access_key");
        StreamSecret? secret = null;
        if ((keyId is null) != (rawSecret is null))
        {
            ctx.Error($"{path}.{(keyId is null ? "secret_access_key" : "access_key_id")}", "access_key_id and secret_access_key go together (or leave both out to use the AWS credential chain)");
            ok = false;
        }
        else if (rawSecret is not null)
        {
            secret = Secret(rawSecret, $"{path}.secret_access_key", ctx);
            ok &= secret is not null;
        }

        return ok && name is not null ? new KinesisSource(name, arn, endpoint, region, position, timestamp, keyId, secret) : null;
    }

    private static string? Text(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;

    [GeneratedRegex("^[a-zA-Z0-9_.-]{1,128}$")]
    private static partial Regex KinesisStreamName();

    [GeneratedRegex(@"^arn:aws[a-zA-Z-]*:kinesis:(?<region>[a-z0-9-]+):\d{12}:stream/(?<name>[a-zA-Z0-9_.-]{1,128})$")]
    private static partial Regex KinesisStreamArn();
}
