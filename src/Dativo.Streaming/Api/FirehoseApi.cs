using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Dativo.Streaming.Durability;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Runtime;
using Microsoft.AspNetCore.Http;

namespace Dativo.Streaming.Api;

/// <summary>
/// Firehose's JSON 1.1 protocol (<c>X-Amz-Target: Firehose_20150804.&lt;Operation&gt;</c>): PutRecord, PutRecordBatch,
/// DescribeDeliveryStream, ListDeliveryStreams, with Firehose's limits and error types. A caller is authenticated by an
/// ingest API key of the host (when hosted in <c>dativo serve</c>), else by SigV4 when any stream uses it, else not at all
/// when <paramref name="anonymous"/> allows it.
/// </summary>
internal sealed class FirehoseApi(IReadOnlyDictionary<string, DeliveryStream> streams, SigV4Verifier? verifier, string accountId,
    IIngestAuthenticator? apiKeys = null, bool anonymous = true)
{
    public const int MaxRecordBytes = 1_024_000;
    public const int MaxBatchRecords = 500;
    public const int MaxBatchBytes = 4 * 1024 * 1024;
    private const string TargetPrefix = "Firehose_20150804.";

    public async Task HandleAsync(HttpContext ctx)
    {
        var response = ctx.Response;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        try
        {
            var (body, length) = await ReadBodyAsync(ctx.Request, ctx.RequestAborted).ConfigureAwait(false);
            using var writer = new PooledBufferWriter();
            try
            {
                var caller = await AuthenticateAsync(ctx, body.AsMemory(0, length)).ConfigureAwait(false);
                var target = ctx.Request.Headers["X-Amz-Target"].ToString();
                if (!target.StartsWith(TargetPrefix, StringComparison.Ordinal))
                    throw new FirehoseError(400, "UnknownOperationException", $"unknown X-Amz-Target '{target}'");
                var operation = target[TargetPrefix.Length..];
                await using var json = new Utf8JsonWriter(writer);
                if (operation == "PutRecordBatch" && RecordBatchReader.TryRead(body.AsSpan(0, length), out var name, out var batch))
                {
                    DeliveryStream stream;
                    try { stream = Stream(name, caller, operation); }
                    catch { batch!.Dispose(); throw; }
                    await PutRecordBatchAsync(stream, batch!, json).ConfigureAwait(false);
                }
                else
                {
                    await HandleGeneralAsync(body.AsMemory(0, length), operation, caller, json).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
            response.StatusCode = 200;
            response.ContentType = "application/x-amz-json-1.1";
            await response.Body.WriteAsync(writer.WrittenMemory, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (FirehoseError e)
        {
            await WriteErrorAsync(response, e).ConfigureAwait(false);
        }
    }

    /// <summary>The caller's access key id (SigV4), or null when any stream may be written (an ingest key, or no authentication).</summary>
    private async Task<string?> AuthenticateAsync(HttpContext ctx, ReadOnlyMemory<byte> body)
    {
        var check = apiKeys is null ? IngestKeyCheck.NoKey : await apiKeys.CheckAsync(ctx.Request, ctx.RequestAborted).ConfigureAwait(false);
        switch (check)
        {
            case IngestKeyCheck.Accepted:
                return null;
            case IngestKeyCheck.Unknown:
                throw new FirehoseError(401, "UnrecognizedClientException", "The API key is not valid (unknown, revoked or mistyped); create one with 'dativo keys create --scope ingest'.");
            case IngestKeyCheck.NotIngestScope:
                throw new FirehoseError(403, "AccessDeniedException", "This API key may not ingest records: stream ingestion needs a key created with --scope ingest.");
        }
        if (verifier is not null) return verifier.Verify(ctx.Request, body.ToArray());
        if (!anonymous)
            throw new FirehoseError(401, "MissingAuthenticationTokenException", "Missing Authentication Token: send an ingest API key as 'Authorization: Bearer <key>' or 'X-Api-Key', or sign with SigV4.");
        return null;
    }

    /// <summary>Appends a batch already checked against Firehose's limits; the records' ids, once durable.</summary>
    public static async Task<List<string>> PutBatchAsync(DeliveryStream stream, IReadOnlyList<ReadOnlyMemory<byte>> records)
    {
        var first = await AppendAsync(stream, records).ConfigureAwait(false);
        var ids = new List<string>(records.Count);
        for (var k = 0; k < records.Count; k++) ids.Add(RecordId(stream, first + k));
        return ids;
    }

    /// <summary>Every operation through a parsed document, with Firehose's checks and errors.</summary>
    private async Task HandleGeneralAsync(ReadOnlyMemory<byte> body, string operation, string? caller, Utf8JsonWriter json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body); }
        catch (JsonException e) { throw FirehoseError.Serialization("the request body is not valid JSON: " + e.Message); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw FirehoseError.Serialization("the request body must be a JSON object");
            switch (operation)
            {
                case "PutRecord": await PutRecordAsync(doc.RootElement, caller, json).ConfigureAwait(false); break;
                case "PutRecordBatch": await PutRecordBatchAsync(doc.RootElement, caller, json).ConfigureAwait(false); break;
                case "DescribeDeliveryStream": Describe(doc.RootElement, caller, json); break;
                case "ListDeliveryStreams": List(doc.RootElement, json); break;
                default: throw new FirehoseError(400, "UnknownOperationException", $"operation '{operation}' is not supported");
            }
        }
    }

    private static async Task WriteErrorAsync(HttpResponse response, FirehoseError e)
    {
        response.StatusCode = e.Status;
        response.ContentType = "application/x-amz-json-1.1";
        response.Headers["x-amzn-ErrorType"] = e.Type;
        if (e.Status == 503) response.Headers.RetryAfter = "1";
        await response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = e.Type, ["message"] = e.Message })).ConfigureAwait(false);
    }

    /// <summary>The body in a pooled array (the caller returns it) and its length.</summary>
    private static async Task<(byte[] Body, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var body = ArrayPool<byte>.Shared.Rent(request.ContentLength is { } n and < 32 << 20 ? (int)n + 1 : 64 * 1024);
        var length = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(body.AsMemory(length), ct).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length < body.Length) continue;
                var bigger = ArrayPool<byte>.Shared.Rent(body.Length * 2);
                body.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(body);
                body = bigger;
            }
            return (body, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(body);
            throw;
        }
    }

    private DeliveryStream Stream(JsonElement root, string? caller, string action)
    {
        if (!root.TryGetProperty("DeliveryStreamName", out var n) || n.ValueKind != JsonValueKind.String)
            throw FirehoseError.Validation("Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null");
        return Stream(n.GetString()!, caller, action);
    }

    private DeliveryStream Stream(string name, string? caller, string action)
    {
        var stream = streams.TryGetValue(name, out var s) ? s : throw FirehoseError.NotFound(name, accountId);
        if (caller is not null && stream.Settings.AllowedAccessKeys is { } allowed && !allowed.Contains(caller))
            throw new FirehoseError(400, "AccessDeniedException", $"User: {caller} is not authorized to perform: firehose:{action} on resource: {stream.Arn}");
        if (stream.Settings.KinesisSource is { } kinesis && action.StartsWith("Put", StringComparison.Ordinal))
            throw FirehoseError.InvalidArgument($"This operation is not permitted on KinesisStreamAsSource delivery stream type: stream '{name}' reads Kinesis stream '{kinesis.StreamIdentity}'; put the records there.");
        return stream;
    }

    private static byte[] Data(JsonElement record, string path)
    {
        if (record.ValueKind != JsonValueKind.Object || !record.TryGetProperty("Data", out var d) || d.ValueKind == JsonValueKind.Null)
            throw FirehoseError.Validation($"Value null at '{path}.data' failed to satisfy constraint: Member must not be null");
        if (d.ValueKind != JsonValueKind.String || !d.TryGetBytesFromBase64(out var bytes))
            throw FirehoseError.Serialization($"'{path}.data' is not base64");
        if (bytes.Length > MaxRecordBytes)
            throw FirehoseError.Validation($"Value at '{path}.data' failed to satisfy constraint: Member must have length less than or equal to {MaxRecordBytes}");
        return bytes;
    }

    /// <summary>A record's id: its log position (16 hex digits) and a tag of its stream (8).</summary>
    private static string RecordId(DeliveryStream stream, long seq) => seq.ToString("x16", CultureInfo.InvariantCulture) + StreamTag(stream);

    private static string StreamTag(DeliveryStream stream) =>
        ((uint)stream.Name.GetHashCode(StringComparison.Ordinal)).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Appends to the stream's log; <paramref name="owner"/> (the records' memory) passes to the stream.</summary>
    private static async Task<long> AppendAsync(DeliveryStream stream, IReadOnlyList<ReadOnlyMemory<byte>> records, IDisposable? owner = null)
    {
        try
        {
            return await stream.PutAsync(records, owner).ConfigureAwait(false);
        }
        catch (WalFullException)
        {
            throw FirehoseError.Unavailable("Slow down.");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            throw FirehoseError.Unavailable("the service could not store the record: " + e.Message);
        }
    }

    private async Task PutRecordAsync(JsonElement root, string? caller, Utf8JsonWriter json)
    {
        var stream = Stream(root, caller, "PutRecord");
        if (!root.TryGetProperty("Record", out var record))
            throw FirehoseError.Validation("Value null at 'record' failed to satisfy constraint: Member must not be null");
        var seq = await AppendAsync(stream, [Data(record, "record")]).ConfigureAwait(false);
        json.WriteStartObject();
        json.WriteString("RecordId", RecordId(stream, seq));
        json.WriteBoolean("Encrypted", false);
        json.WriteEndObject();
    }

    private async Task PutRecordBatchAsync(JsonElement root, string? caller, Utf8JsonWriter json)
    {
        var stream = Stream(root, caller, "PutRecordBatch");
        if (!root.TryGetProperty("Records", out var list) || list.ValueKind != JsonValueKind.Array)
            throw FirehoseError.Validation("Value null at 'records' failed to satisfy constraint: Member must not be null");
        var count = list.GetArrayLength();
        if (count == 0)
            throw FirehoseError.Validation("Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1");
        if (count > MaxBatchRecords)
            throw FirehoseError.Validation($"Value at 'records' failed to satisfy constraint: Member must have length less than or equal to {MaxBatchRecords}");
        var records = new List<ReadOnlyMemory<byte>>(count);
        long total = 0;
        var i = 0;
        foreach (var r in list.EnumerateArray())
        {
            var data = Data(r, $"records.{++i}.member");
            total += data.Length;
            records.Add(data);
        }
        if (total > MaxBatchBytes)
            throw FirehoseError.InvalidArgument($"Records size {total} exceeds the {MaxBatchBytes} bytes limit of PutRecordBatch");
        WriteBatchResponse(stream, await AppendAsync(stream, records).ConfigureAwait(false), records.Count, json);
    }

    private static async Task PutRecordBatchAsync(DeliveryStream stream, RecordBatch batch, Utf8JsonWriter json)
    {
        var count = batch.Records.Count;
        WriteBatchResponse(stream, await AppendAsync(stream, batch.Records, batch).ConfigureAwait(false), count, json);
    }

    /// <summary>PutRecordBatch's answer for <paramref name="count"/> records logged from <paramref name="first"/> on (ids written without a string per record).</summary>
    private static void WriteBatchResponse(DeliveryStream stream, long first, int count, Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteNumber("FailedPutCount", 0);
        json.WriteBoolean("Encrypted", false);
        json.WriteStartArray("RequestResponses");
        Span<char> id = stackalloc char[24]; // see RecordId
        StreamTag(stream).CopyTo(id[16..]);
        for (var k = 0; k < count; k++)
        {
            (first + k).TryFormat(id, out _, "x16", CultureInfo.InvariantCulture);
            json.WriteStartObject();
            json.WriteString("RecordId"u8, id);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void Describe(JsonElement root, string? caller, Utf8JsonWriter json)
    {
        var stream = Stream(root, caller, "DescribeDeliveryStream");
        var s = stream.Settings;
        json.WriteStartObject();
        json.WriteStartObject("DeliveryStreamDescription");
        json.WriteString("DeliveryStreamName", s.Name);
        json.WriteString("DeliveryStreamARN", stream.Arn);
        json.WriteString("DeliveryStreamStatus", "ACTIVE");
        json.WriteString("DeliveryStreamType", "DirectPut");
        json.WriteString("VersionId", s.Version.ToString(CultureInfo.InvariantCulture));
        json.WriteNumber("CreateTimestamp", stream.CreatedAt.ToUnixTimeMilliseconds() / 1000.0);
        json.WriteStartArray("Destinations");
        json.WriteStartObject();
        json.WriteString("DestinationId", "destinationId-000000000001");
        json.WriteStartObject("ExtendedS3DestinationDescription");
        json.WriteString("BucketARN", s.Destination.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) ? "arn:aws:s3:::" + s.Destination[5..].Split('/')[0] : s.Destination);
        json.WriteString("RoleARN", "");
        if (s.Prefix is not null) json.WriteString("Prefix", s.Prefix);
        if (s.ErrorPrefix is not null) json.WriteString("ErrorOutputPrefix", s.ErrorPrefix);
        json.WriteStartObject("BufferingHints");
        json.WriteNumber("SizeInMBs", s.BufferingSizeMiB);
        json.WriteNumber("IntervalInSeconds", s.BufferingIntervalSeconds);
        json.WriteEndObject();
        json.WriteString("CompressionFormat", s.Compression switch { CompressionFormat.Gzip => "GZIP", CompressionFormat.Zstd => "ZSTD", _ => "UNCOMPRESSED" });
        json.WriteStartObject("EncryptionConfiguration");
        json.WriteString("NoEncryptionConfig", "NoEncryption");
        json.WriteEndObject();
        json.WriteStartObject("DynamicPartitioningConfiguration");
        json.WriteBoolean("Enabled", s.EnableDynamicPartitioning);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteBoolean("HasMoreDestinations", false);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private void List(JsonElement root, Utf8JsonWriter json)
    {
        var limit = root.TryGetProperty("Limit", out var l) && l.TryGetInt32(out var n) ? n : 10;
        if (limit is < 1 or > 10000)
            throw FirehoseError.Validation($"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000");
        var after = root.TryGetProperty("ExclusiveStartDeliveryStreamName", out var a) ? a.GetString() : null;
        var names = streams.Keys.Order(StringComparer.Ordinal).Where(k => after is null || string.CompareOrdinal(k, after) > 0).ToList();
        json.WriteStartObject();
        json.WriteStartArray("DeliveryStreamNames");
        foreach (var name in names.Take(limit)) json.WriteStringValue(name);
        json.WriteEndArray();
        json.WriteBoolean("HasMoreDeliveryStreams", names.Count > limit);
        json.WriteEndObject();
    }
}
