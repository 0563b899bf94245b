namespace Dativo.Streaming.Durability;

/// <summary>
/// The exact ordinals of one data object, as runs [first, last]: a run grows while the next record of the object is the
/// next output of the log (no output in between went elsewhere, was dropped or skipped), so every ordinal a run spans
/// is in the object. Flattened as first, last, first, last… for the delivery log.
/// </summary>
internal sealed class OrdinalRunBuilder
{
    private readonly List<long> _flat = [];
    private long _lastPosition = long.MinValue;

    /// <summary>Adds <paramref name="ordinal"/>, the output at <paramref name="position"/> in the order of every output of the log.</summary>
    public void Add(long ordinal, long position)
    {
        if (_flat.Count > 0 && position == _lastPosition + 1) _flat[^1] = ordinal;
        else _flat.AddRange([ordinal, ordinal]);
        _lastPosition = position;
    }

    public long[] ToArray() => [.. _flat];
}

/// <summary>Which ordinals the exact runs of delivered objects hold, whatever their partition.</summary>
internal sealed class OrdinalRunSet
{
    private readonly List<(long First, long Last)> _added = [];
    private (long First, long Last)[] _merged = [];

    public void Add(long[] runs)
    {
        for (var i = 0; i + 1 < runs.Length; i += 2) _added.Add((runs[i], runs[i + 1]));
    }

    public void Clear()
    {
        _added.Clear();
        _merged = [];
    }

    public bool Contains(long ordinal)
    {
        if (_added.Count > 0) Merge();
        int lo = 0, hi = _merged.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ordinal < _merged[mid].First) hi = mid - 1;
            else if (ordinal > _merged[mid].Last) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /// <summary>Sorts the runs added since the last query in and joins overlapping ones, so a lookup is a binary search.</summary>
    private void Merge()
    {
        var all = _merged.Concat(_added).OrderBy(r => r.First).ToList();
        _added.Clear();
        var merged = new List<(long First, long Last)>(all.Count);
        foreach (var r in all)
        {
            if (merged.Count > 0 && r.First <= merged[^1].Last) merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, r.Last));
            else merged.Add(r);
        }
        _merged = [.. merged];
    }
}
