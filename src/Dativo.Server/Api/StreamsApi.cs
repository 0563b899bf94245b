using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Dativo.Application.Security;
using Dativo.Core.Errors;
using Dativo.Server.Hosting;
using Dativo.Server.Security;
using Dativo.Streaming.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dativo.Server.Api;

/// <summary>
/// <c>/api/streams</c>: the delivery streams of the <c>streams:</c> file (list, sampled metrics, alarms, putting records with
/// an ingest key), and the Firehose JSON 1.1 API on <c>POST /</c> for stock AWS clients (endpoint override = the server URL).
/// </summary>
internal static class StreamsApi
{
    public static void Map(IEndpointRouteBuilder app, IStreamsView streams)
    {
        var g = app.MapGroup("/api/streams").WithTags("streams");
        g.MapGet("", (ServerContext s) => Json.Of(new JsonObject
        {
            ["configured"] = s.Streams.Configured,
            ["message"] = s.Streams.Message,
            ["streams"] = new JsonArray([.. s.Streams.List().Select(Summary)]),
        })).WithSummary("Delivery streams: destination, incoming/delivered counters, buffer fill, active partitions, alarm states (or why there are none)");
        g.MapGet("/{name}", (string name, ServerContext s) => Json.Of(Summary(s.Streams.Get(name))))
            .WithSummary("One delivery stream's status");
        g.MapGet("/{name}/metrics", (string name, ServerContext s) => Json.Of(Metrics(s.Streams, name)))
            .WithSummary("A stream's metrics over the last hour: a sample every interval_s of the records and bytes that came in and were delivered during it, and the buffered bytes and active partitions then");
        g.MapGet("/{name}/alarms", (string name, ServerContext s) =>
        {
            var status = s.Streams.Get(name);
            return Json.Of(new JsonObject { ["stream"] = status.Name, ["alarms"] = new JsonArray([.. status.Alarms.Select(Alarm)]) });
        }).WithSummary("A stream's alarms on IncomingRecords (high/low threshold over the period) and their states (OK, ALARM)");
        g.MapPost("/{name}/records", async (string name, PutRecordsRequest body, ServerContext s, CancellationToken ct) =>
        {
            var records = Decode(body);
            var ids = await s.Streams.PutAsync(name, records, ct).ConfigureAwait(false);
            return Json.Of(new JsonObject { ["stream"] = name, ["failed_put_count"] = 0, ["record_ids"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]) });
        }).RequireScope(ApiScope.Ingest)
            .WithSummary("Put records into a stream (ingest keys only): {\"records\": [...]} — each JSON value becomes one record (its JSON text), or with \"encoding\": \"base64\" each string is a record's bytes. Answered once the records are in the write-ahead log.");

        // Firehose JSON 1.1 (X-Amz-Target: Firehose_20150804.*): it authenticates on its own (ingest key or SigV4) and
        // answers AWS's error types, which the SDKs parse
        if (streams is HostedStreams hosted)
            app.MapPost("/", (HttpContext ctx) => hosted.HandleFirehoseAsync(ctx)).Open().ExcludeFromDescription();
    }

    private static List<ReadOnlyMemory<byte>> Decode(PutRecordsRequest body)
    {
        if (body.Records is not { } list) throw new DativoException("records: missing; send {\"records\": [ ... ]}");
        var base64 = body.Encoding switch
        {
            null or "json" => false,
            "base64" => true,
            _ => throw new DativoException($"encoding: '{body.Encoding}' is not json or base64"),
        };
        var records = new List<ReadOnlyMemory<byte>>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var r = list[i];
            if (!base64)
            {
                records.Add(Encoding.UTF8.GetBytes(r.GetRawText()));
                continue;
            }
            if (r.ValueKind != JsonValueKind.String || !r.TryGetBytesFromBase64(out var bytes))
                throw new DativoException($"records[{i}]: with encoding base64 every record is a base64 string");
            records.Add(bytes);
        }
        return records;
    }

    public static JsonObject Summary(StreamStatus s) => new()
    {
        ["name"] = s.Name,
        ["destination"] = s.Destination,
        ["prefix"] = s.Prefix,
        ["error_prefix"] = s.ErrorPrefix,
        ["incoming_records"] = s.IncomingRecords,
        ["incoming_bytes"] = s.IncomingBytes,
        ["delivered_records"] = s.DeliveredRecords,
        ["delivered_bytes"] = s.DeliveredBytes,
        ["error_records"] = s.ErrorRecords,
        ["throttled_records"] = s.ThrottledRecords,
        ["buffered_bytes"] = s.BufferedBytes,
        ["buffering_size_bytes"] = s.BufferingSizeBytes,
        ["buffering_interval_s"] = s.BufferingIntervalSeconds,
        ["buffer_fill"] = Math.Round(s.BufferFill, 6),
        ["active_partitions"] = s.ActivePartitions,
        ["max_active_partitions"] = s.MaxActivePartitions,
        ["data_freshness_s"] = Math.Round(s.DataFreshnessSeconds, 3),
        ["alarms"] = new JsonArray([.. s.Alarms.Select(Alarm)]),
    };

    private static JsonObject Alarm(AlarmStatus a) => new()
    {
        ["name"] = a.Name,
        ["kind"] = a.Kind,
        ["metric"] = a.Metric,
        ["threshold"] = a.Threshold,
        ["period_s"] = a.PeriodSeconds,
        ["state"] = a.State,
    };

    private static JsonObject Metrics(IStreamsView streams, string name)
    {
        var history = streams.History(name);
        return new JsonObject
        {
            ["stream"] = name,
            ["interval_s"] = streams.SampleInterval.TotalSeconds,
            ["samples"] = new JsonArray([.. history.Select(Sample)]),
        };
    }

    private static JsonObject Sample(MetricSample m) => new()
    {
        ["at"] = m.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["incoming_records"] = m.IncomingRecords,
        ["incoming_bytes"] = m.IncomingBytes,
        ["delivered_records"] = m.DeliveredRecords,
        ["delivered_bytes"] = m.DeliveredBytes,
        ["buffered_bytes"] = m.BufferedBytes,
        ["active_partitions"] = m.ActivePartitions,
    };
}

/// <summary>The body of <c>POST /api/streams/{name}/records</c>.</summary>
/// <param name="Records">one JSON value per record (its JSON text is the record), or base64 strings with <paramref name="Encoding"/> base64</param>
/// <param name="Encoding">json (default) or base64</param>
public sealed record PutRecordsRequest(
    [property: JsonPropertyName("records")] List<JsonElement>? Records,
    [property: JsonPropertyName("encoding")] string? Encoding = null);
