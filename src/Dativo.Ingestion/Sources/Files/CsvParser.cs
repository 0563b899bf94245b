using System.Runtime.CompilerServices;
using Dativo.Ingestion.Records;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>One field of a record: its characters in the caller's <see cref="CharBuffer"/>, and whether it was quoted.</summary>
internal readonly record struct CsvField(int Start, int Length, bool Quoted);

/// <summary>
/// Streaming RFC 4180 parser over a <see cref="TextReader"/>: quoted fields with doubled quotes, embedded
/// delimiters and newlines, LF or CRLF. Scans spans of a large char buffer and copies field characters into the
/// caller's <see cref="CharBuffer"/>: no string per field.
/// </summary>
internal sealed class CsvParser(TextReader reader, char delimiter, char quote, int bufferSize = 1 << 20, long firstLine = 1)
{
    private readonly char[] _buf = new char[bufferSize];
    private readonly CharBuffer _scratch = new(1024);
    private readonly List<CsvField> _scratchFields = [];
    private int _pos;
    private int _len;
    private bool _eof;

    /// <summary>Line number (1-based) where the last record returned by <see cref="ReadRecord(CharBuffer, List{CsvField})"/> started.</summary>
    public long RecordLine { get; private set; }

    public long Line { get; private set; } = firstLine;

    /// <summary>Characters consumed so far (progress).</summary>
    public long CharsRead { get; private set; }

    /// <summary>Reads the next record as strings (header, discovery). False at end of input.</summary>
    public bool ReadRecord(List<string> fields, List<bool> quoted)
    {
        fields.Clear();
        quoted.Clear();
        _scratch.Truncate(0);
        if (!ReadRecord(_scratch, _scratchFields)) return false;
        foreach (var f in _scratchFields)
        {
            fields.Add(new string(_scratch.Span(f.Start, f.Length)));
            quoted.Add(f.Quoted);
        }
        return true;
    }

    /// <summary>Appends the next record's characters to <paramref name="chars"/> and its fields to <paramref name="fields"/> (cleared first). False at end of input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool ReadRecord(CharBuffer chars, List<CsvField> fields)
    {
        fields.Clear();
        // skip empty lines
        while (true)
        {
            if (!Fill()) return false;
            var c = _buf[_pos];
            if (c == '\n') { _pos++; CharsRead++; Line++; continue; }
            if (c == '\r') { _pos++; CharsRead++; continue; }
            break;
        }
        RecordLine = Line;
        if (TryReadPlainLine(chars, fields)) return true;
        while (true)
        {
            var start = chars.Length;
            var (quoted, end) = ReadField(chars);
            fields.Add(new CsvField(start, chars.Length - start, quoted));
            if (end) return true;
        }
    }

    /// <summary>
    /// Fast path: the whole record is in the buffer and has no quote character — one copy of the line, then the fields
    /// are found by splitting it at the delimiter. Otherwise nothing is consumed and the field-by-field path runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryReadPlainLine(CharBuffer chars, List<CsvField> fields)
    {
        var span = _buf.AsSpan(_pos, _len - _pos);
        var nl = span.IndexOfAny('\n', '\r');
        if (nl < 0 || (span[nl] == '\r' && nl + 1 == span.Length && !_eof)) return false; // line (or its CRLF) continues in the next read
        var line = span[..nl];
        if (line.Contains(quote)) return false;
        var offset = chars.Length;
        chars.Append(line);
        var start = 0;
        while (true)
        {
            var d = line[start..].IndexOf(delimiter);
            if (d < 0)
            {
                fields.Add(new CsvField(offset + start, line.Length - start, false));
                break;
            }
            fields.Add(new CsvField(offset + start, d, false));
            start += d + 1;
        }
        var consumed = nl + 1;
        if (span[nl] == '\r' && nl + 1 < span.Length && span[nl + 1] == '\n') consumed++;
        _pos += consumed;
        CharsRead += consumed;
        Line++;
        return true;
    }

    private bool Fill()
    {
        if (_pos < _len) return true;
        if (_eof) return false;
        _len = reader.Read(_buf, 0, _buf.Length);
        _pos = 0;
        if (_len <= 0) { _eof = true; _len = 0; return false; }
        return true;
    }

    /// <summary>One field into <paramref name="chars"/>; End is true when the record ends after it (newline or end of input).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (bool Quoted, bool End) ReadField(CharBuffer chars)
    {
        if (!Fill()) return (false, true);
        if (_buf[_pos] == quote) return ReadQuoted(chars);
        while (true)
        {
            var span = _buf.AsSpan(_pos, _len - _pos);
            var i = span.IndexOfAny(delimiter, '\n', '\r');
            if (i < 0)
            {
                chars.Append(span);
                _pos = _len;
                CharsRead += span.Length;
                if (!Fill()) return (false, true);
                continue;
            }
            chars.Append(span[..i]);
            var c = span[i];
            _pos += i + 1;
            CharsRead += i + 1;
            if (c == delimiter) return (false, false);
            if (c == '\r' && Fill() && _buf[_pos] == '\n') { _pos++; CharsRead++; }
            Line++;
            return (false, true);
        }
    }

    private (bool, bool) ReadQuoted(CharBuffer chars)
    {
        _pos++;
        CharsRead++;
        while (true)
        {
            if (!Fill()) return (true, true); // unterminated quote at end of input: keep what we have
            var span = _buf.AsSpan(_pos, _len - _pos);
            var i = span.IndexOf(quote);
            if (i < 0)
            {
                CountLines(span);
                CharsRead += span.Length;
                chars.Append(span);
                _pos = _len;
                continue;
            }
            CountLines(span[..i]);
            chars.Append(span[..i]);
            _pos += i + 1;
            CharsRead += i + 1;
            if (Fill() && _buf[_pos] == quote) { chars.Append(quote); _pos++; CharsRead++; continue; }
            break;
        }
        // after the closing quote: delimiter, newline, or stray characters up to one of them (kept, like most readers)
        while (Fill())
        {
            var c = _buf[_pos++];
            CharsRead++;
            if (c == delimiter) return (true, false);
            if (c == '\n') { Line++; return (true, true); }
            if (c == '\r')
            {
                if (Fill() && _buf[_pos] == '\n') { _pos++; CharsRead++; }
                Line++;
                return (true, true);
            }
            chars.Append(c);
        }
        return (true, true);
    }

    private void CountLines(ReadOnlySpan<char> s) => Line += s.Count('\n');
}
