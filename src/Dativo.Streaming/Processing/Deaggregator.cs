using System.Text.Json;
using Dativo.Streaming.Runtime;

namespace Dativo.Streaming.Processing;

/// <summary>
/// Firehose's record de-aggregation: JSON splits concatenated JSON values (<c>{..}{..}</c>, whitespace between them
/// allowed); DELIMITED splits on the delimiter. Empty pieces are dropped; newlines between JSON values are removed,
/// which is why newline appending exists.
/// </summary>
internal static class Deaggregator
{
    /// <summary>A record may yield at most this many sub-records (ordinals keep 20 bits for the sub-record index).</summary>
    public const int MaxSubRecords = 1 << 20;

    public static List<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> data, DeaggregationSettings settings) =>
        settings.Type == DeaggregationType.Json ? SplitJson(data) : SplitDelimited(data, settings.Delimiter is { Length: > 0 } d ? d : throw new DeaggregationException("DELIMITED de-aggregation has no delimiter"));

    private static List<ReadOnlyMemory<byte>> SplitJson(ReadOnlyMemory<byte> data)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        var offset = 0;
        while (true)
        {
            while (offset < data.Length && data.Span[offset] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') offset++;
            if (offset >= data.Length) break;
            var reader = new Utf8JsonReader(data.Span[offset..], new JsonReaderOptions { AllowMultipleValues = true });
            try
            {
                if (!reader.Read() || !reader.TrySkip()) throw new DeaggregationException("a JSON value is cut off");
            }
            catch (JsonException e)
            {
                throw new DeaggregationException($"not concatenated JSON at byte {offset + reader.BytesConsumed}: {e.Message}");
            }
            var length = (int)reader.BytesConsumed;
            parts.Add(data.Slice(offset, length));
            offset += length;
            if (parts.Count > MaxSubRecords) throw new DeaggregationException($"more than {MaxSubRecords} sub-records");
        }
        return parts;
    }

    private static List<ReadOnlyMemory<byte>> SplitDelimited(ReadOnlyMemory<byte> data, byte[] delimiter)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        var rest = data;
        while (rest.Length > 0)
        {
            var at = rest.Span.IndexOf(delimiter);
            var piece = at < 0 ? rest : rest[..at];
            if (piece.Length > 0) parts.Add(piece);
            if (at < 0) break;
            rest = rest[(at + delimiter.Length)..];
            if (parts.Count > MaxSubRecords) throw new DeaggregationException($"more than {MaxSubRecords} sub-records");
        }
        return parts;
    }
}

internal sealed class DeaggregationException(string message) : Exception(message);
