namespace Dativo.Ingestion.Records;

/// <summary>
/// Text records without a string per value: all characters of a batch in one buffer, and per column the start and
/// length of each cell (length −1 = SQL null). The coercer parses numbers, dates, … straight from these spans and
/// allocates strings only for string columns.
/// </summary>
internal sealed class TextCells
{
    public TextCells(int width, int capacity, CharBuffer chars)
    {
        Chars = chars;
        Start = new int[width][];
        Length = new int[width][];
        for (var c = 0; c < width; c++)
        {
            Start[c] = new int[capacity];
            Length[c] = new int[capacity];
        }
    }

    public CharBuffer Chars { get; }
    public int[][] Start { get; }
    public int[][] Length { get; }

    public bool IsNull(int column, int row) => Length[column][row] < 0;

    public ReadOnlySpan<char> Cell(int column, int row) => Chars.Span(Start[column][row], Length[column][row]);

    public string? Text(int column, int row) => IsNull(column, row) ? null : new string(Cell(column, row));
}

/// <summary>A growable character buffer (fields are appended, records can be rolled back).</summary>
internal sealed class CharBuffer(int capacity = 1 << 16)
{
    private char[] _buf = new char[capacity];

    public int Length { get; private set; }

    public ReadOnlySpan<char> Span(int start, int length) => _buf.AsSpan(start, length);

    public void Append(ReadOnlySpan<char> s)
    {
        if (Length + s.Length > _buf.Length) Grow(s.Length);
        s.CopyTo(_buf.AsSpan(Length));
        Length += s.Length;
    }

    public void Append(char c)
    {
        if (Length == _buf.Length) Grow(1);
        _buf[Length++] = c;
    }

    /// <summary>Drops everything after <paramref name="length"/> characters.</summary>
    public void Truncate(int length) => Length = length;

    private void Grow(int extra) => Array.Resize(ref _buf, Math.Max(_buf.Length * 2, Length + extra));
}
