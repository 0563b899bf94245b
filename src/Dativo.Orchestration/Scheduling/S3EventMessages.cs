using System.Text.Json;

namespace Dativo.Orchestration.Scheduling;

/// <summary>One object event of an S3 notification: the event name (e.g. <c>ObjectCreated:Put</c>), bucket and decoded key.</summary>
internal sealed record S3ObjectEvent(string EventName, string Bucket, string Key);

/// <summary>What an SQS message body holds: S3 records, S3's test event, or something else (with why).</summary>
internal sealed record S3EventMessage(IReadOnlyList<S3ObjectEvent> Records, bool IsTestEvent, string? NotAnEvent);

/// <summary>
/// Reads S3 event notifications as S3 sends them to SQS, also wrapped in an SNS notification
/// (<c>{"Type":"Notification","Message":"…"}</c>), and S3's <c>s3:TestEvent</c>. Keys arrive URL-encoded (spaces as '+').
/// </summary>
internal static class S3EventMessages
{
    public static S3EventMessage Parse(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && Text(root, "Type") == "Notification" && Text(root, "Message") is { } inner)
                return Parse(inner);
            if (root.ValueKind != JsonValueKind.Object) return Not("the body is not a JSON object");
            if (Text(root, "Event") == "s3:TestEvent") return new S3EventMessage([], true, null);
            if (!root.TryGetProperty("Records", out var records) || records.ValueKind != JsonValueKind.Array)
                return Not("no Records array (not an S3 event notification)");
            var events = new List<S3ObjectEvent>();
            foreach (var r in records.EnumerateArray())
            {
                if (r.ValueKind != JsonValueKind.Object || Text(r, "eventSource") != "aws:s3"
                    || !r.TryGetProperty("s3", out var s3) || s3.ValueKind != JsonValueKind.Object
                    || !s3.TryGetProperty("bucket", out var b) || b.ValueKind != JsonValueKind.Object || Text(b, "name") is not { } bucket
                    || !s3.TryGetProperty("object", out var o) || o.ValueKind != JsonValueKind.Object || Text(o, "key") is not { } key)
                    return Not("a record is not an aws:s3 event with s3.bucket.name and s3.object.key");
                events.Add(new S3ObjectEvent(Text(r, "eventName") ?? "", bucket, Uri.UnescapeDataString(key.Replace('+', ' '))));
            }
            return events.Count == 0 ? Not("Records is empty") : new S3EventMessage(events, false, null);
        }
        catch (JsonException e)
        {
            return Not("the body is not JSON: " + e.Message);
        }
    }

    private static S3EventMessage Not(string why) => new([], false, why);

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
