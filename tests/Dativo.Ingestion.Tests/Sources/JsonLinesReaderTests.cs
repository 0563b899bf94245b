using System.Text;
using System.Text.Json;
using Dativo.Ingestion.Sources.Files;

namespace Dativo.Ingestion.Tests.Sources;

/// <summary>The JSON lines reader against an oracle built on <see cref="JsonDocument"/>, line by line.</summary>
public sealed class JsonLinesReaderTests
{
    private static readonly string[] Lines =
    [
        """{"id": 1, "name": "plain", "amount": 2.50, "paid": true, "at": "2024-01-01T00:00:00Z"}""",
        """{"paid": false, "id": 2, "extra": {"nested": [1, {"x": null}]}, "list": [1,2,3]}""",
        """{"id": 3, "name": "esc \" \\ \n \u00e9 \ud83d\ude00", "amount": -0.5e-3, "name2": "ünïcödé ✓"}""",
        "",
        "   \t ",
        """{"id": 4, "id": 5, "late": "a key twice: rejected (which value counts is unclear)"}""",
        """{"id": 4, "ID": 5, "late": "keys match columns ignoring case: rejected too"}""",
        """{"Id": 4, "late": "one spelling per object is fine"}""",
        "{not json",
        "[1, 2]",
        "\"just a string\"",
        """{"id": 6} trailing""",
        """{"id": 7,}""",
        """{"id": 8, "partial": 1, "broken": }""",
        """{"id": 9}""",
        "{}",
        """  {"id": 10, "amount": 1E+10, "n": null}  """,
        "{\"" + new string('k', 300) + "\": \"a long field name\", \"id\": 11}",
        "{\"id\": 12, \"big\": \"" + new string('x', 1_500_000) + "\"}",
        """{"id": 13, "name": "after the big one"}""",
    ];

    [Theory]
    [InlineData("\n", false, 3, false)]
    [InlineData("\r\n", true, 3, false)]
    [InlineData("\r", false, 1000, false)]
    [InlineData("\r\n", true, 2, true)] // a stream that hands out a few bytes per read: lines, CRLFs and the BOM split across reads
    public async Task Rows_and_rejections_match_a_line_by_line_json_document_parse(string newline, bool bom, int batchRows, bool trickle)
    {
        var text = string.Join(newline, Lines); // no line break after the last line
        var bytes = (bom ? [0xEF, 0xBB, 0xBF] : Array.Empty<byte>()).Concat(Encoding.UTF8.GetBytes(text)).ToArray();

        var (rows, rejected, totalBytes) = await ReadAsync(bytes, batchRows, trickle);

        var (expectedRows, expectedRejected) = Oracle(Lines);
        Assert.Equal(expectedRejected, rejected);
        Assert.Equal(expectedRows.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(expectedRows[i].Line, rows[i].Line);
            var names = expectedRows[i].Values.Keys.Union(rows[i].Values.Keys).ToList();
            foreach (var name in names)
                Assert.Equal(expectedRows[i].Values.GetValueOrDefault(name), rows[i].Values.GetValueOrDefault(name));
        }
        Assert.Equal(bytes.Length, totalBytes);
        Assert.DoesNotContain(rows, r => r.Line is 6 or 7);
        Assert.Equal("one spelling per object is fine", rows.Single(r => r.Line == 8).Values["late"]);
        Assert.Null(rows.Single(r => r.Line == 15).Values.GetValueOrDefault("partial")); // nothing of a rejected line leaks into the next row
    }

    [Fact]
    public async Task Invalid_utf8_in_a_value_rejects_that_line_only()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"id\": 1, \"s\": \"ok\"}\n{\"id\": 2, \"s\": \"").Concat(new byte[] { 0xFF, 0xFE }).Concat(Encoding.UTF8.GetBytes("\"}\n{\"id\": 3}\n")).ToArray();
        var (rows, rejected, _) = await ReadAsync(bytes, 10);
        Assert.Equal([1L, 3L], rows.Select(r => r.Line));
        Assert.Equal([2L], rejected);
    }

    private static async Task<(List<(long Line, Dictionary<string, object?> Values)> Rows, List<long> Rejected, long Bytes)> ReadAsync(byte[] bytes, int batchRows, bool trickle = false)
    {
        var rows = new List<(long, Dictionary<string, object?>)>();
        var rejected = new List<long>();
        long total = 0;
        Stream stream = trickle ? new TrickleStream(bytes) : new MemoryStream(bytes);
        await foreach (var b in JsonLinesReader.ReadAsync(stream, "t.jsonl", batchRows, CancellationToken.None))
        {
            total += b.Bytes;
            rejected.AddRange(b.SourceRejections.Select(r => r.Position));
            Assert.All(b.SourceRejections, r => Assert.Equal(r.Position is 6 or 7 ? "duplicate_key" : "invalid_json", r.Reason));
            for (var r = 0; r < b.Count; r++)
                rows.Add((b.Positions[r], b.Names.Select((n, c) => (n, v: b.Columns[c][r])).Where(x => x.v is not null).ToDictionary(x => x.n, x => x.v)));
        }
        return (rows, rejected, total);
    }

    private static (List<(long Line, Dictionary<string, object?> Values)>, List<long>) Oracle(string[] lines)
    {
        var rows = new List<(long, Dictionary<string, object?>)>();
        var rejected = new List<long>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            try
            {
                using var doc = JsonDocument.Parse(lines[i]);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) { rejected.Add(i + 1); continue; }
                var keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
                if (keys.Distinct(StringComparer.OrdinalIgnoreCase).Count() != keys.Count) { rejected.Add(i + 1); continue; }
                var values = new Dictionary<string, object?>();
                foreach (var p in doc.RootElement.EnumerateObject())
                    values[p.Name] = p.Value.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.String => p.Value.GetString(),
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => p.Value.GetRawText(),
                    };
                rows.Add((i + 1, values.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value)));
            }
            catch (JsonException)
            {
                rejected.Add(i + 1);
            }
        }
        return (rows, rejected);
    }

    /// <summary>Hands out 1–7 bytes per read.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        private int _reads;

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 1 + (_reads++ % 7))]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));
    }
}
