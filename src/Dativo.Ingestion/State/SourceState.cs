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

/// <summary>A file seen before: read again only when its size, modification time or etag changed.</summary>
internal sealed record FileMarker(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("modified")] DateTimeOffset Modified,
    [property: JsonPropertyName("etag")] string? ETag);

/// <summary>
/// Cursor of a table: the highest value read, and hashes of the rows read in the trailing lookback window
/// (cursor ≥ value − lookback; exactly the rows at <see cref="Value"/> when lookback is 0), which the next
/// run re-reads with <c>&gt;=</c> and skips, so late rows at the boundary are picked up without duplicates.
/// </summary>
internal sealed class CursorMarker
{
    [JsonPropertyName("field")] public string Field { get; set; } = "";
    [JsonPropertyName("value")] public string? Value { get; set; }
    [JsonPropertyName("window")] public List<string> Window { get; set; } = [];
}
