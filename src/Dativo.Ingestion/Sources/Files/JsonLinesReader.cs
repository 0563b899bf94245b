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
    public const string DuplicateKey = "duplicate_key";
    private static readonly object True = true;
    private static readonly object False = false;

    public static async IAsyncEnumerable<RawBatch> ReadAsync(Stream stream, string path, int batchRows, [EnumeratorCancellation] CancellationToken ct, long firstLine = 1)
    {
        await using var _ = stream;
        var names = new List<string>();
        var fields = new FieldNames();
        var caches = new List<StringCache>();
        var values = new List<(int Column, object? Value)>();
        var present = new PresentKeys();
        using var block = new Block(stream);
        var line = firstLine - 1;
        while (true)
        {
            var cols = new List<object?[]>(names.Count);
            foreach (var _c in names) cols.Add(new object?[batchRows]);
            var pos = new long[batchRows];
            var n = 0;
            long bytes = 0;
            var rejections = new List<Rejection>();
            while (n < batchRows && rejections.Count < batchRows)
            {
                var at = block.NextBreak();
                // no complete line yet, or a CR that may be the first half of a CRLF: read more
                if ((at < 0 || (block.Pending[at] == '\r' && at + 1 == block.Pending.Length)) && !block.Eof)
                {
                    bytes += await block.ReadMoreAsync(ct).ConfigureAwait(false);
                    continue;
                }
                if (at < 0 && block.Pending.IsEmpty) break; // end of file
                var length = at < 0 ? block.Pending.Length : at;
                var breakBytes = at < 0 ? 0 : block.Pending[at] == '\r' && at + 1 < block.Pending.Length && block.Pending[at + 1] == '\n' ? 2 : 1;
                var text = block.Pending[..length];
                line++;
                bytes += length + breakBytes;
                if (!text.Trim(" \t"u8).IsEmpty)
                {
                    var error = ReadObject(text, fields, names, caches, values, cols, n, batchRows);
                    if (error is null)
                    {
                        pos[n++] = line;
                        if (present.Names.Count < names.Count) foreach (var (c, _) in values) present.Mark(c, names);
                    }
                    else if (error.Value.Key is { } key) rejections.Add(new Rejection(path, line, key, DuplicateKey, error.Value.Message, false));
                    else rejections.Add(new Rejection(path, line, "", "invalid_json", error.Value.Message, false));
                }
                block.Consume(length + breakBytes);
            }
            if (n == 0 && rejections.Count == 0) yield break;
            while (cols.Count < names.Count) cols.Add(new object?[batchRows]); // a key first seen in a rejected line: no values
            yield return new RawBatch([.. names], [.. cols], pos, n, path) { Bytes = bytes, SourceRejections = rejections, PresentNames = [.. present.Names] };
        }
    }

    /// <summary>The keys of the lines taken so far (a key seen only in rejected lines does not count), in order of appearance.</summary>
    private sealed class PresentKeys
    {
        private readonly List<bool> _marked = [];

        public List<string> Names { get; } = [];

        public void Mark(int column, List<string> names)
        {
            while (_marked.Count <= column) _marked.Add(false);
            if (_marked[column]) return;
            _marked[column] = true;
            Names.Add(names[column]);
        }
    }

    /// <summary>The unread bytes of the stream, in one pooled buffer that grows for a line longer than it.</summary>
    private sealed class Block(Stream stream) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
        private int _start;
        private int _end;
        private bool _bomChecked;
        private int _searched;

        public bool Eof { get; private set; }

        public ReadOnlySpan<byte> Pending => _buffer.AsSpan(_start, _end - _start);

        /// <summary>Offset of the next CR or LF in <see cref="Pending"/>, or -1; bytes already searched are not searched again.</summary>
        public int NextBreak()
        {
            var at = Pending[_searched..].IndexOfAny((byte)'\n', (byte)'\r');
            if (at >= 0) return _searched + at;
            _searched = Pending.Length;
            return -1;
        }

        public void Consume(int count)
        {
            _start += count;
            _searched = 0;
            _bomChecked = true; // a byte order mark is only one at the very start
        }

        /// <summary>Reads the next chunk after what is pending; returns the bytes of a byte order mark it skipped (0 or 3).</summary>
        public async Task<int> ReadMoreAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            Eof = read == 0;
            _end += read;
            if (_bomChecked || (_end < 3 && !Eof)) return 0;
            _bomChecked = true;
            if (_end < 3 || _buffer[0] != 0xEF || _buffer[1] != 0xBB || _buffer[2] != 0xBF) return 0;
            _start = 3;
            _searched = 0;
            return 3;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }

    /// <summary>
    /// Reads one line's object into row <paramref name="row"/>; null, or why it is not one JSON object, or (with the
    /// key) which key it has twice: keys match columns ignoring case, so <c>id</c> and <c>ID</c> count as the same.
    /// </summary>
    private static (string Message, string? Key)? ReadObject(ReadOnlySpan<byte> text, FieldNames fields, List<string> names, List<StringCache> caches,
        List<(int Column, object? Value)> values, List<object?[]> cols, int row, int batchRows)
    {
        var reader = new Utf8JsonReader(text, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        // values of this line, applied only once the whole line is valid (a bad line leaves no partial row behind)
        values.Clear();
        var line = fields.NextLine();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return ("not an object", null);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var c = fields.IndexOf(ref reader, names);
                if (!fields.FirstInLine(c, line))
                    return ($"the key '{names[c]}' appears more than once in the object (keys match ignoring case): which value counts is unclear", names[c]);
                while (caches.Count < names.Count) caches.Add(new StringCache());
                reader.Read();
                values.Add((c, Value(ref reader, text, caches[c])));
            }
            if (reader.Read()) return ($"'{(char)text[(int)reader.TokenStartIndex]}' is invalid after a single JSON value", null);
        }
        catch (JsonException e)
        {
            return (e.Message.Split('.')[0], null);
        }
        catch (InvalidOperationException e) // invalid UTF-8 in a string
        {
            return (e.Message.Split('.')[0], null);
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

    /// <summary>
    /// Column index per field name, looked up by the name's UTF-8 bytes (a string only for a new name); and per line,
    /// which names (ignoring case) it had, to find a key given twice.
    /// </summary>
    private sealed class FieldNames
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly Dictionary<string, int> _groups = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<int> _groupOf = [];
        private int[] _lastLine = new int[16];
        private int _line;

        public FieldNames() => _lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();

        public int NextLine() => ++_line;

        /// <summary>Whether column <paramref name="c"/> (or a name equal to its ignoring case) is the first such key of <paramref name="line"/>.</summary>
        public bool FirstInLine(int c, int line)
        {
            var g = _groupOf[c];
            if (_lastLine[g] == line) return false;
            _lastLine[g] = line;
            return true;
        }

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
            if (!_groups.TryGetValue(name, out var g)) _groups[name] = g = _groups.Count;
            _groupOf.Add(g);
            if (g >= _lastLine.Length) Array.Resize(ref _lastLine, _lastLine.Length * 2);
            return c;
        }
    }
}
