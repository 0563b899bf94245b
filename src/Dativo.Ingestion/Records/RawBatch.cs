namespace Dativo.Ingestion.Records;

/// <summary>
/// Up to a few ten thousand source records, column by column, before validation. Values are strings
/// (text sources) or CLR values (typed sources: long, double, decimal, bool, DateTime, DateOnly, …);
/// null is a SQL null. <see cref="Positions"/> locate each record in its source (line or row number).
/// </summary>
internal sealed class RawBatch(IReadOnlyList<string> names, object?[][] columns, long[] positions, int count, string source)
{
    /// <summary>Text records held as character spans (CSV): <see cref="Columns"/> is empty and <see cref="Text"/> has the cells.</summary>
    public RawBatch(IReadOnlyList<string> names, TextCells text, long[] positions, int count, string source)
        : this(names, [], positions, count, source) => Text = text;

    /// <summary>Typed records (PostgreSQL): one typed array per source column (long?[], int?[], decimal?[], string?[], …), reused by the source after the batch is coerced; <see cref="Columns"/> is empty.</summary>
    public RawBatch(IReadOnlyList<string> names, Array[] typed, long[] positions, int count, string source)
        : this(names, [], positions, count, source) => Typed = typed;

    public TextCells? Text { get; }

    public Array[]? Typed { get; }

    public IReadOnlyList<string> Names { get; } = names;
    public object?[][] Columns { get; } = columns;
    public long[] Positions { get; } = positions;
    public int Count { get; } = count;
    /// <summary>File path or table the records came from.</summary>
    public string Source { get; } = source;
    /// <summary>Bytes of source input this batch covers (for progress), when known.</summary>
    public long Bytes { get; init; }
    /// <summary>The columns the records taken so far have, when that is fewer than <see cref="Names"/> (JSON lines: keys seen only in rejected lines).</summary>
    public IReadOnlyList<string>? PresentNames { get; init; }
    /// <summary>Warnings about the file rather than a record (a contract column it lacks, warn mode), recorded with the batch's rejections.</summary>
    public IReadOnlyList<Rejection> Notes { get; set; } = [];
    /// <summary>Whether some text cell may hold a NUL character (text sources check a whole batch at once; the coercer then checks each cell).</summary>
    public bool HasNul { get; init; }
    /// <summary>Records the source itself could not parse (bad JSON line, wrong field count).</summary>
    public IReadOnlyList<Rejection> SourceRejections { get; init; } = [];

    public object? Value(int column, int row) => Text is { } t ? t.Text(column, row) : Typed is { } ty ? ty[column].GetValue(row) : Columns[column][row];
}
