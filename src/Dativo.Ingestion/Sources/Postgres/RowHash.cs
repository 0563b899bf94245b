using System.Globalization;
using Dativo.Ingestion.Records;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>
/// Stable 64-bit FNV-1a hash of a row's non-null (column, value) pairs (invariant text): identifies
/// boundary rows across runs. Nulls are left out so adding a nullable column to the source keeps old rows' hashes.
/// </summary>
internal static class RowHash
{
    public static ulong Of(IReadOnlyList<string> names, Array[] cols, int row)
    {
        var h = 14695981039346656037UL;
        for (var c = 0; c < cols.Length; c++)
        {
            var v = cols[c].GetValue(row);
            if (v is null) continue;
            foreach (var ch in names[c]) { h ^= ch; h *= 1099511628211UL; }
            h ^= 0x1e;
            h *= 1099511628211UL;
            foreach (var ch in Coercer.Text(v)) { h ^= ch; h *= 1099511628211UL; }
            h ^= 0x1f;
            h *= 1099511628211UL;
        }
        return h;
    }

    public static string Hex(ulong hash) => hash.ToString("x16", CultureInfo.InvariantCulture);

    public static bool TryParseHex(string text, out ulong hash) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out hash);
}
