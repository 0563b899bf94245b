using Dativo.Ingestion.Records;
using Dativo.Ingestion.State;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>
/// Tracks the cursor while rows stream in cursor order: skips rows the previous run already read (hash in
/// its window, cursor ≤ its value), and keeps hashes of the trailing window (cursor ≥ max − lookback) for the next run.
/// </summary>
internal sealed class CursorWindow(CursorMarker? previous, string cursorField, int lookbackDays)
{
    private readonly HashSet<string> _seen = previous is null ? [] : [.. previous.Window];
    private readonly Queue<(IComparable Cursor, string Hash)> _window = new();
    private IComparable? _max;

    /// <summary>False when the row was read by an earlier run.</summary>
    public bool Accept(IReadOnlyList<string> names, Array[] cols, int row, int cursorIdx)
    {
        var c = cols[cursorIdx].GetValue(row);
        if (c is not IComparable cursor) return true; // NULL cursors only arrive on the first (full) run
        var hash = RowHash.Of(names, cols, row);
        // the previous window holds only rows with cursor <= its value, so a hash hit is a row already ingested
        var seen = _seen.Contains(hash);
        if (_max is null || cursor.CompareTo(_max) > 0) _max = cursor;
        _window.Enqueue((cursor, hash));
        var low = Low(_max);
        while (_window.Count > 0 && _window.Peek().Cursor.CompareTo(low) < 0) _window.Dequeue();
        return !seen;
    }

    private static IComparable Low(IComparable max, int days) => max switch
    {
        DateTime dt => days > 0 ? dt.AddDays(-days) : dt,
        DateOnly d => days > 0 ? d.AddDays(-days) : d,
        _ => max,
    };

    private IComparable Low(IComparable max) => Low(max, lookbackDays);

    /// <summary>The marker for the next run, or the previous one when no row was read.</summary>
    public CursorMarker? Marker => _max is null ? previous : new CursorMarker
    {
        Field = cursorField,
        Value = Coercer.Text(_max),
        Window = [.. _window.Select(w => w.Hash).Distinct()],
    };
}
