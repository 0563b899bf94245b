using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Dativo.Streaming.Api;

/// <summary>
/// The fast path for a PutRecordBatch body as the SDKs send it — <c>{"DeliveryStreamName": "…", "Records": [{"Data":
/// "base64"}, …]}</c> — read with a <see cref="Utf8JsonReader"/>, decoding every record's base64 straight into one
/// pooled array (no tree, no string, no array per record). It accepts only a valid batch within Firehose's limits;
/// anything else (another member, escapes, bad base64, a limit crossed) returns false, and the general path answers it
/// with the exact Firehose error.
/// </summary>
internal static class RecordBatchReader
{
    public static bool TryRead(ReadOnlySpan<byte> body, out string stream, out RecordBatch? batch)
    {
        stream = "";
        batch = null;
        var data = ArrayPool<byte>.Shared.Rent(Math.Max(16, body.Length / 4 * 3));
        var records = new List<ReadOnlyMemory<byte>>(FirehoseApi.MaxBatchRecords);
        string? name = null;
        var sawRecords = false;
        var used = 0;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return Fail(data);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("DeliveryStreamName"u8) && name is null)
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String) return Fail(data);
                    name = reader.GetString();
                }
                else if (reader.ValueTextEquals("Records"u8) && !sawRecords)
                {
                    sawRecords = true;
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return Fail(data);
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("Data"u8)) return Fail(data);
                        if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped) return Fail(data);
                        if (Base64.DecodeFromUtf8(reader.ValueSpan, data.AsSpan(used), out _, out var written) != OperationStatus.Done) return Fail(data);
                        if (written > FirehoseApi.MaxRecordBytes || records.Count == FirehoseApi.MaxBatchRecords) return Fail(data);
                        records.Add(data.AsMemory(used, written));
                        used += written;
                        if (used > FirehoseApi.MaxBatchBytes) return Fail(data);
                        if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject) return Fail(data);
                    }
                    if (reader.TokenType != JsonTokenType.EndArray) return Fail(data);
                }
                else
                {
                    return Fail(data);
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return Fail(data);
        }
        catch (JsonException)
        {
            return Fail(data);
        }
        if (name is null || records.Count == 0) return Fail(data);
        stream = name;
        batch = new RecordBatch(data, records, used);
        return true;
    }

    private static bool Fail(byte[] data)
    {
        ArrayPool<byte>.Shared.Return(data);
        return false;
    }
}

/// <summary>A batch's records as slices of one pooled array, returned to the pool by <see cref="Dispose"/> (once).</summary>
internal sealed class RecordBatch(byte[] data, List<ReadOnlyMemory<byte>> records, long bytes) : IDisposable
{
    private byte[]? _data = data;

    public IReadOnlyList<ReadOnlyMemory<byte>> Records { get; } = records;

    public long Bytes { get; } = bytes;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _data, null) is { } d) ArrayPool<byte>.Shared.Return(d);
    }
}
