using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Dativo.Ingestion.Records;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>JSON lines: one object per line; numbers keep their text, nested values become JSON text; bad lines are rejected with their line number.</summary>
internal static class JsonLinesReader
{
    public static async IAsyncEnumerable<RawBatch> ReadAsync(Stream stream, string path, int batchRows, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var _ = stream;
        using var reader = new StreamReader(stream, new UTF8Encoding(false), true, 1 << 16);
        var names = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        long line = 0;
        var done = false;
        while (!done)
        {
            var cols = new List<object?[]>();
            foreach (var _c in names) cols.Add(new object?[batchRows]);
            var pos = new long[batchRows];
            var n = 0;
            long bytes = 0;
            var rejections = new List<Rejection>();
            while (n < batchRows)
            {
                var text = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                if (text is null) { done = true; break; }
                line++;
                bytes += text.Length + 1;
                if (string.IsNullOrWhiteSpace(text)) continue;
                try
                {
                    var doc = JsonDocument.Parse(text);
                    using (doc)
                    {
                        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("not an object");
                        foreach (var p in doc.RootElement.EnumerateObject())
                        {
                            if (!index.TryGetValue(p.Name, out var c))
                            {
                                index[p.Name] = c = names.Count;
                                names.Add(p.Name);
                                cols.Add(new object?[batchRows]);
                            }
                            cols[c][n] = ValueOf(p.Value);
                        }
                    }
                    pos[n++] = line;
                }
                catch (JsonException e)
                {
                    rejections.Add(new Rejection(path, line, "", "invalid_json", e.Message.Split('.')[0], false));
                }
            }
            if (n == 0 && rejections.Count == 0) yield break;
            yield return new RawBatch([.. names], [.. cols], pos, n, path) { Bytes = bytes, SourceRejections = rejections };
        }
    }

    private static object? ValueOf(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => e.GetRawText(),
    };
}
