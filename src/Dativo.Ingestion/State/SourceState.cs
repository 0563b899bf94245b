using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dativo.Ingestion.State;

/// <summary>Where a job stopped: per object, the files already read and the cursor position of database tables.</summary>
internal sealed class SourceState
{
    [JsonPropertyName("files")]
    public SortedDictionary<string, FileMarker> Files { get; set; } = new(StringComparer.Ordinal);

    [JsonPropertyName("cursors")]
    public SortedDictionary<string, CursorMarker> Cursors { get; set; } = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static SourceState Parse(string? json) =>
        string.IsNullOrWhiteSpace(json) ? new SourceState() : JsonSerializer.Deserialize<SourceState>(json, Options) ?? new SourceState();
}

/// <summary>
/// A file ingested before, as it was then: looked at again only when its size, modification time or etag changed, and
/// then read on only when its first <see cref="Size"/> bytes still have <see cref="Hash"/> (SHA-256): rows appended.
/// </summary>
internal sealed record FileMarker(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("modified")] DateTimeOffset Modified,
    [property: JsonPropertyName("etag")] string? ETag,
    [property: JsonPropertyName("hash")] string? Hash = null);

/// <summary>
/// Cursor of a table: the highest value read, and what identifies the rows read in the trailing lookback window
/// (cursor ≥ value − lookback; exactly the rows at <see cref="Value"/> when lookback is 0), which the next run re-reads
/// with <c>&gt;=</c> to pick up late rows without duplicates. A small window keeps its row hashes
/// (<see cref="Hashes"/>); a larger one a fixed-size digest of them (<see cref="Digest"/>), so the state stays bounded
/// however many rows the window holds (docs/ingestion.md).
/// </summary>
internal sealed class CursorMarker
{
    [JsonPropertyName("field")] public string Field { get; set; } = "";
    [JsonPropertyName("value")] public string? Value { get; set; }

    /// <summary>States written before the digest: the distinct hashes of the window's rows.</summary>
    [JsonPropertyName("window")] public List<string>? Window { get; set; }

    /// <summary>The hashes of the window's rows, one per row, sorted (windows of up to a few hundred rows).</summary>
    [JsonPropertyName("hashes")] public List<string>? Hashes { get; set; }

    /// <summary>The digest of the window's rows' hashes (base64), for larger windows.</summary>
    [JsonPropertyName("digest")] public string? Digest { get; set; }

    /// <summary>How many rows <see cref="Digest"/> summarises.</summary>
    [JsonPropertyName("window_rows")] public long? WindowRows { get; set; }
}
