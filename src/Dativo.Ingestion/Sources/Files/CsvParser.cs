namespace Dativo.Ingestion.Sources.Files;

/// <summary>
/// Streaming RFC 4180 parser over a <see cref="TextReader"/>: quoted fields with doubled quotes, embedded
/// delimiters and newlines, LF or CRLF. Scans spans of a large char buffer and allocates only the field strings.
/// </summary>
internal sealed class CsvParser(TextReader reader, char delimiter, char quote, int bufferSize = 1 << 20)
{
    private readonly char[] _buf = new char[bufferSize];
    private int _pos;
    private int _len;
    private bool _eof;
    private readonly System.Text.StringBuilder _sb = new();

    /// <summary>Line number (1-based) where the last record returned by <see cref="ReadRecord"/> started.</summary>
    public long RecordLine { get; private set; }

    public long Line { get; private set; } = 1;

    /// <summary>Characters consumed so far (progress).</summary>
    public long CharsRead { get; private set; }

    /// <summary>Reads the next record into <paramref name="fields"/> (cleared first). False at end of input.</summary>
    public bool ReadRecord(List<string> fields, List<bool> quoted)
    {
        fields.Clear();
        quoted.Clear();
        if (!Fill()) return false;
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
        while (true)
        {
            var (field, wasQuoted, end) = ReadField();
            fields.Add(field);
            quoted.Add(wasQuoted);
            if (end) return true;
        }
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

    /// <summary>One field; End is true when the record ends after it (newline or end of input).</summary>
    private (string Field, bool Quoted, bool End) ReadField()
    {
        if (!Fill()) return ("", false, true);
        if (_buf[_pos] == quote) return ReadQuoted();
        _sb.Clear();
        while (true)
        {
            var span = _buf.AsSpan(_pos, _len - _pos);
            var i = span.IndexOfAny(delimiter, '\n', '\r');
            if (i < 0)
            {
                _sb.Append(span);
                _pos = _len;
                CharsRead += span.Length;
                if (!Fill()) return (Take(default), false, true);
                continue;
            }
            var field = Take(span[..i]);
            var c = span[i];
            _pos += i + 1;
            CharsRead += i + 1;
            if (c == delimiter) return (field, false, false);
            if (c == '\r')
            {
                if (Fill() && _buf[_pos] == '\n') { _pos++; CharsRead++; }
            }
            Line++;
            return (field, false, true);
        }
    }

    private string Take(ReadOnlySpan<char> tail)
    {
        if (_sb.Length == 0) return tail.Length == 0 ? "" : new string(tail);
        _sb.Append(tail);
        var s = _sb.ToString();
        _sb.Clear();
        return s;
    }

    private (string, bool, bool) ReadQuoted()
    {
        _pos++;
        CharsRead++;
        _sb.Clear();
        while (true)
        {
            if (!Fill()) return (_sb.ToString(), true, true); // unterminated quote at end of input: keep what we have
            var span = _buf.AsSpan(_pos, _len - _pos);
            var i = span.IndexOf(quote);
            if (i < 0)
            {
                Count(span);
                _sb.Append(span);
                _pos = _len;
                continue;
            }
            Count(span[..i]);
            _sb.Append(span[..i]);
            _pos += i + 1;
            CharsRead += i + 1;
            if (Fill() && _buf[_pos] == quote) { _sb.Append(quote); _pos++; CharsRead++; continue; }
            break;
        }
        var value = _sb.ToString();
        // after the closing quote: delimiter, newline, or stray characters up to one of them (kept, like most readers)
        while (Fill())
        {
            var c = _buf[_pos++];
            CharsRead++;
            if (c == delimiter) return (value, true, false);
            if (c == '\n') { Line++; return (value, true, true); }
            if (c == '\r')
            {
                if (Fill() && _buf[_pos] == '\n') { _pos++; CharsRead++; }
                Line++;
                return (value, true, true);
            }
            value += c;
        }
        return (value, true, true);
    }

    private void Count(ReadOnlySpan<char> s)
    {
        CharsRead += s.Length;
        Line += s.Count('\n');
    }
}
