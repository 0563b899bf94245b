using System.Buffers.Binary;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>
/// A fixed-size summary (~32 KiB) of a multiset of 64-bit row hashes, from which the hashes a later multiset holds in
/// addition can be recovered exactly, as long as there are at most about <see cref="Capacity"/> of them (an invertible
/// Bloom lookup table: every hash is added to one cell in each of three parts; a cell holding a single hash gives it
/// back, and removing it from its other cells frees more). Its size does not depend on how many hashes it holds.
/// </summary>
internal sealed class RowDigest
{
    private const int Parts = 3;
    private const int PartCells = 680;
    private const int Cells = Parts * PartCells;
    private const int CellBytes = 16;

    /// <summary>How many added hashes <see cref="Added"/> recovers (with rare failures near this bound, never wrong results).</summary>
    public const int Capacity = 1200;

    private readonly int[] _count = new int[Cells];
    private readonly ulong[] _keys = new ulong[Cells];
    private readonly uint[] _checks = new uint[Cells];

    /// <summary>Hashes held (added minus removed).</summary>
    public long Rows { get; private set; }

    public void Add(ulong hash) => Update(hash, 1);

    private void Update(ulong hash, int delta)
    {
        var check = Check(hash);
        for (var p = 0; p < Parts; p++)
        {
            var i = CellOf(hash, p);
            _count[i] += delta;
            _keys[i] ^= hash;
            _checks[i] ^= check;
        }
        Rows += delta;
    }

    /// <summary>
    /// The hashes <paramref name="current"/> holds and <paramref name="previous"/> does not, with their multiplicity
    /// (hashes only <paramref name="previous"/> holds — rows deleted since — are left out); null when the two differ by
    /// more than the summary can resolve.
    /// </summary>
    public static Dictionary<ulong, int>? Added(RowDigest previous, RowDigest current)
    {
        var d = new RowDigest();
        for (var i = 0; i < Cells; i++)
        {
            d._count[i] = current._count[i] - previous._count[i];
            d._keys[i] = current._keys[i] ^ previous._keys[i];
            d._checks[i] = current._checks[i] ^ previous._checks[i];
        }
        var added = new Dictionary<ulong, int>();
        var pure = new Stack<int>(Enumerable.Range(0, Cells).Where(d.Pure));
        while (pure.TryPop(out var i))
        {
            if (!d.Pure(i)) continue;
            var hash = d._keys[i];
            var sign = d._count[i];
            if (sign > 0) added[hash] = added.GetValueOrDefault(hash) + 1;
            d.Update(hash, -sign);
            for (var p = 0; p < Parts; p++)
                if (d.Pure(CellOf(hash, p))) pure.Push(CellOf(hash, p));
        }
        for (var i = 0; i < Cells; i++)
            if (d._count[i] != 0 || d._keys[i] != 0 || d._checks[i] != 0) return null;
        return added;
    }

    private bool Pure(int i) => _count[i] is 1 or -1 && _checks[i] == Check(_keys[i]);

    private static int CellOf(ulong hash, int part) => part * PartCells + (int)(Mix(hash + (ulong)(part + 1) * 0x9E3779B97F4A7C15UL) % PartCells);

    private static uint Check(ulong hash) => (uint)(Mix(hash ^ 0xC2B2AE3D27D4EB4FUL) >> 32);

    /// <summary>The splitmix64 finaliser: spreads the bits of a hash over all positions.</summary>
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    public string ToBase64()
    {
        var bytes = new byte[Cells * CellBytes];
        for (var i = 0; i < Cells; i++)
        {
            var cell = bytes.AsSpan(i * CellBytes, CellBytes);
            BinaryPrimitives.WriteInt32LittleEndian(cell, _count[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(cell[4..], _checks[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(cell[8..], _keys[i]);
        }
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The digest written by <see cref="ToBase64"/>; null when the text is not one (a damaged state).</summary>
    public static RowDigest? FromBase64(string text, long rows)
    {
        var bytes = new byte[Cells * CellBytes];
        if (!Convert.TryFromBase64String(text, bytes, out var n) || n != bytes.Length) return null;
        var d = new RowDigest { Rows = rows };
        for (var i = 0; i < Cells; i++)
        {
            var cell = bytes.AsSpan(i * CellBytes, CellBytes);
            d._count[i] = BinaryPrimitives.ReadInt32LittleEndian(cell);
            d._checks[i] = BinaryPrimitives.ReadUInt32LittleEndian(cell[4..]);
            d._keys[i] = BinaryPrimitives.ReadUInt64LittleEndian(cell[8..]);
        }
        return d;
    }
}
