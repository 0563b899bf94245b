using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Dativo.Ingestion.Records;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>
/// JSON lines: one object per line (LF, CRLF or CR); numbers keep their text, nested values become JSON text; a line
/// that is not one JSON object (or not valid UTF-8) is rejected with its line number. Lines are cut from large UTF-8
/// blocks and read with <see cref="Utf8JsonReader"/>: no string per line, no document per record.
/// </summary>
internal static class JsonLinesReader
{
    private const int BlockBytes = 1 << 20;
    private static readonly object True = true;
    private static readonly object False = false;

    public static async IAsyncEnumerable<RawBatch> ReadAsync(Stream stream, string path, int batchRows, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var _ = stream;
        var names = new List<string>();
        var fields = new FieldNames();
        var caches = new List<StringCache>();
        var values = new List<(int Column, object? Value)>();
        var buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
        try
        {
            int start = 0, end = 0;
            long line = 0;
            var eof = false;
            var first = true;
            while (true)
            {
                var cols = new List<object?[]>(names.Count);
                foreach (var _c in names) cols.Add(new object?[batchRows]);
                var pos = new long[batchRows];
                var n = 0;
                long bytes = 0;
                var rejections = new List<Rejection>();
                while (n < batchRows)
                {
                    // the next line in the buffer; read more when it is not complete yet
                    var at = buffer.AsSpan(start, end - start).IndexOfAny((byte)'\n', (byte)'\r');
                    if (at < 0 && !eof)
                    {
                        if (start > 0) { Buffer.BlockCopy(buffer, start, buffer, 0, end - start); end -= start; start = 0; }
                        if (end == buffer.Length) buffer = Grow(buffer);
                        var read = await stream.ReadAsync(buffer.AsMemory(end), ct).ConfigureAwait(false);
                        if (read == 0) eof = true;
                        end += read;
                        if (first && end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF) { start = 3; bytes += 3; }
                        first = false;
                        continue;
                    }
                    if (at < 0 && start == end) break; // end of file
                    var length = at < 0 ? end - start : at;
                    var breakBytes = at < 0 ? 0 : buffer[start + at] == '\r' && start + at + 1 < end && buffer[start + at + 1] == '\n' ? 2 : 1;
                    if (at >= 0 && buffer[start + at] == '\r' && start + at + 1 == end && !eof)
                    {
                        // a CR at the end of the block: read on to see whether an LF follows
                        if (start > 0) { Buffer.BlockCopy(buffer, start, buffer, 0, end - start); end -= start; start = 0; }
                        if (end == buffer.Length) buffer = Grow(buffer);
                        var read = await stream.ReadAsync(buffer.AsMemory(end), ct).ConfigureAwait(false);
                        if (read == 0) eof = true;
                        end += read;
                        continue;
                    }
                    var text = buffer.AsSpan(start, length);
                    start += length + breakBytes;
                    bytes += length + breakBytes;
                    line++;
                    if (text.Trim(" \t"u8).IsEmpty) continue;
                    var error = ReadObject(text, fields, names, caches, values, cols, n, batchRows);
                    if (error is null) pos[n++] = line;
                    else rejections.Add(new Rejection(path, line, "", "invalid_json", error, false));
                }
                if (n == 0 && rejections.Count == 0) yield break;
                yield return new RawBatch([.. names], [.. cols], pos, n, path) { Bytes = bytes, SourceRejections = rejections };
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Grow(byte[] buffer)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        Buffer.BlockCopy(buffer, 0, bigger, 0, buffer.Length);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>Reads one line's object into row <paramref name="row"/>; the reason it is not one JSON object, or null.</summary>
    private static string? ReadObject(ReadOnlySpan<byte> text, FieldNames fields, List<string> names, List<StringCache> caches,
        List<(int Column, object? Value)> values, List<object?[]> cols, int row, int batchRows)
    {
        var reader = new Utf8JsonReader(text, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        // values of this line, applied only once the whole line is valid (a bad line leaves no partial row behind)
        values.Clear();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return "not an object";
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var c = fields.IndexOf(ref reader, names);
                while (caches.Count < names.Count) caches.Add(new StringCache());
                reader.Read();
                values.Add((c, Value(ref reader, text, caches[c])));
            }
            if (reader.Read()) return $"'{(char)text[(int)reader.TokenStartIndex]}' is invalid after a single JSON value";
        }
        catch (JsonException e)
        {
            return e.Message.Split('.')[0];
        }
        catch (InvalidOperationException e) // invalid UTF-8 in a string
        {
            return e.Message.Split('.')[0];
        }
        while (cols.Count < names.Count) cols.Add(new object?[batchRows]);
        foreach (var (c, v) in values) cols[c][row] = v;
        return null;
    }

    private static object? Value(ref Utf8JsonReader reader, ReadOnlySpan<byte> text, StringCache cache)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return null;
            case JsonTokenType.True: return True;
            case JsonTokenType.False: return False;
            case JsonTokenType.String or JsonTokenType.Number:
                // short values without escapes through the column's cache (repeated codes, small numbers); the rest,
                // and invalid UTF-8 (GetString throws: the line is rejected), the long way
                Span<char> chars = stackalloc char[128];
                if (!reader.ValueIsEscaped && reader.ValueSpan.Length <= chars.Length
                    && System.Text.Unicode.Utf8.ToUtf16(reader.ValueSpan, chars, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done)
                    return cache.Get(chars[..written]);
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : Encoding.UTF8.GetString(reader.ValueSpan);
            default:
                // an object or array: its JSON text, as written
                var from = (int)reader.TokenStartIndex;
                reader.Skip();
                return Encoding.UTF8.GetString(text[from..((int)reader.TokenStartIndex + 1)]);
        }
    }

    /// <summary>Column index per field name, looked up by the name's UTF-8 bytes (a string only for a new name).</summary>
    private sealed class FieldNames
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

        public FieldNames() => _lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();

        public int IndexOf(ref Utf8JsonReader reader, List<string> names)
        {
            Span<char> chars = stackalloc char[256];
            var raw = reader.ValueSpan; // lines are single spans: never a value sequence
            if (!reader.ValueIsEscaped && raw.Length <= chars.Length && Encoding.UTF8.TryGetChars(raw, chars, out var written)
                && _lookup.TryGetValue(chars[..written], out var known))
                return known;
            var name = reader.GetString()!;
            if (_index.TryGetValue(name, out var c)) return c;
            _index[name] = c = names.Count;
            names.Add(name);
            return c;
        }
    }
}
