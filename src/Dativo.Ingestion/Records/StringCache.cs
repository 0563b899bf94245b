using System.Runtime.CompilerServices;
namespace Dativo.Ingestion.Records;

/// <summary>
/// Reuses the string of a recently seen value (status codes, SKUs, country names repeat a lot) instead of allocating
/// one per cell: a direct-mapped table of 4,096 slots by hash. Turns itself off for a column whose values rarely repeat
/// (hit rate below 1/4 over the first 16,384 values), where hashing would only cost.
/// </summary>
internal sealed class StringCache
{
    private const int Slots = 4096;
    private const int Probe = 16_384;
    private readonly string?[] _slots = new string?[Slots];
    private int _seen;
    private int _hits;
    private bool _off;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Get(ReadOnlySpan<char> s)
    {
        if (_off || s.Length > 64) return s.Length == 0 ? "" : new string(s);
        if (_seen < Probe && ++_seen == Probe && _hits < Probe / 4) _off = true;
        var i = string.GetHashCode(s) & (Slots - 1);
        var hit = _slots[i];
        if (hit is not null && s.SequenceEqual(hit))
        {
            _hits++;
            return hit;
        }
        var made = new string(s);
        _slots[i] = made;
        return made;
    }
}
