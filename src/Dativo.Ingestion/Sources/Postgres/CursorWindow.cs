using Dativo.Ingestion.Records;
using Dativo.Ingestion.State;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>
/// Tracks the cursor while rows stream in cursor order. The first <paramref name="regionRows"/> rows are those of the
/// previous run's window range (cursor ≤ its value, counted in the same snapshot by <see cref="PreviousWindow"/>): of
/// them only the ones the previous run did not read (<paramref name="added"/>) are taken. It keeps the hashes of the
/// trailing window (cursor ≥ max − lookback) for the next run, as a list when small and as a digest otherwise.
/// </summary>
internal sealed class CursorWindow(CursorMarker? previous, string cursorField, int lookbackDays, long regionRows = 0, Dictionary<ulong, int>? added = null)
{
    /// <summary>Windows of up to this many rows keep their hashes (exact, small); larger ones a <see cref="RowDigest"/>.</summary>
    public const int ListedRows = 512;

    private readonly Queue<(IComparable Cursor, ulong Hash)> _window = new();
    private IComparable? _max;
    private long _read;

    /// <summary>False when the row was read by an earlier run.</summary>
    public bool Accept(IReadOnlyList<string> names, Array[] cols, int row, int cursorIdx)
    {
        var c = cols[cursorIdx].GetValue(row);
        if (c is not IComparable cursor) return true; // NULL cursors only arrive on the first (full) run
        var hash = RowHash.Of(names, cols, row);
        if (_max is null || cursor.CompareTo(_max) > 0) _max = cursor;
        _window.Enqueue((cursor, hash));
        var low = Low(_max, lookbackDays);
        while (_window.Count > 0 && _window.Peek().Cursor.CompareTo(low) < 0) _window.Dequeue();
        if (_read++ >= regionRows) return true;
        if (added is null || !added.TryGetValue(hash, out var left) || left == 0) return false;
        added[hash] = left - 1;
        return true;
    }

    private static IComparable Low(IComparable max, int days) => max switch
    {
        DateTime dt => days > 0 ? dt.AddDays(-days) : dt,
        DateOnly d => days > 0 ? d.AddDays(-days) : d,
        _ => max,
    };

    /// <summary>The marker for the next run, or the previous one when no row was read.</summary>
    public CursorMarker? Marker
    {
        get
        {
            if (_max is null) return previous;
            var marker = new CursorMarker { Field = cursorField, Value = Coercer.Text(_max) };
            if (_window.Count <= ListedRows)
            {
                // sorted: rows tied on the cursor come in any order, and an unchanged window must give an unchanged state
                marker.Hashes = [.. _window.Select(w => w.Hash).Order().Select(RowHash.Hex)];
                return marker;
            }
            var digest = new RowDigest();
            foreach (var (_, hash) in _window) digest.Add(hash);
            marker.Digest = digest.ToBase64();
            marker.WindowRows = digest.Rows;
            return marker;
        }
    }
}
