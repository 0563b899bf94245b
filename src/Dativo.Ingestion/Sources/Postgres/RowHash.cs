using System.Globalization;
using Dativo.Ingestion.Records;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>Stable 64-bit FNV-1a hash of a row's values (their invariant text), as hex: identifies boundary rows across runs.</summary>
internal static class RowHash
{
    public static string Of(object?[][] cols, int row)
    {
        var h = 14695981039346656037UL;
        foreach (var col in cols)
        {
            var v = col[row];
            var s = v is null ? "\u0000" : Coercer.Text(v);
            foreach (var ch in s) { h ^= ch; h *= 1099511628211UL; }
            h ^= 0x1f;
            h *= 1099511628211UL;
        }
        return h.ToString("x16", CultureInfo.InvariantCulture);
    }
}
