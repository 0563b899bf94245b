using Dativo.Core.Errors;
using Dativo.Ingestion.State;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>
/// The rows of the previous run's window range as they are now (read first, in the same snapshot as the rows then
/// ingested), compared with what the previous run recorded of them: which rows are new there (arrived late), and how
/// many rows the range holds.
/// </summary>
internal sealed class PreviousWindow
{
    private readonly CursorMarker _marker;
    private readonly string _table;
    private readonly RowDigest? _recorded;
    private readonly RowDigest _digestNow = new();
    private readonly Dictionary<ulong, int> _now = [];

    public PreviousWindow(CursorMarker marker, string table)
    {
        _marker = marker;
        _table = table;
        if (marker.Digest is { } text)
            _recorded = RowDigest.FromBase64(text, marker.WindowRows ?? 0)
                ?? throw new DativoException($"{table}: the job state's cursor window is damaged (not a digest written by Dativo); " +
                    "nothing was read. Restore the table property dativo.state.* from an earlier snapshot, or clear it to load the table again");
    }

    /// <summary>Rows of the range read so far.</summary>
    public long Rows { get; private set; }

    public void Add(ulong hash)
    {
        Rows++;
        if (_recorded is not null) _digestNow.Add(hash);
        else _now[hash] = _now.GetValueOrDefault(hash) + 1;
    }

    /// <summary>The hashes of rows the range holds now and the previous run did not read, with their multiplicity.</summary>
    public Dictionary<ulong, int> Added(string cursorField, int lookbackDays)
    {
        if (_recorded is not null)
            return RowDigest.Added(_recorded, _digestNow) ?? throw new DativoException(
                $"{_table}: more than ~{RowDigest.Capacity} rows were added with a {cursorField} value inside the lookback window " +
                $"({(lookbackDays > 0 ? $"{lookbackDays} day(s) before " : "equal to ")}{_marker.Value}) since the last run, more than the job state can " +
                "tell apart from the rows already loaded; nothing was read or committed. Lower incremental.lookback_days (rows arriving that late), " +
                "or use a cursor column that grows with every change (e.g. a timestamp set on insert and update) so that fewer rows share the window");
        var seen = new Dictionary<ulong, int>();
        foreach (var text in _marker.Hashes ?? [])
            if (RowHash.TryParseHex(text, out var h)) seen[h] = seen.GetValueOrDefault(h) + 1;
        // states written before the digest listed each hash once, however many identical rows had it: all of them were read
        foreach (var text in _marker.Window ?? [])
            if (RowHash.TryParseHex(text, out var h)) seen[h] = int.MaxValue;
        var added = new Dictionary<ulong, int>();
        foreach (var (h, n) in _now)
        {
            var left = n - seen.GetValueOrDefault(h);
            if (left > 0) added[h] = left;
        }
        return added;
    }
}
