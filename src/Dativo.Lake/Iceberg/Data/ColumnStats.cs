using System.Text;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Per-column metrics of one data file: counts and min/max (NaN excluded) in <see cref="Conversions"/> form.</summary>
internal sealed class ColumnStats(PrimitiveType type)
{
    /// <summary>Bounds of strings and binary are truncated to this many code points / bytes (Iceberg's default truncate(16)).</summary>
    public const int TruncateLength = 16;

    public long Values { get; private set; }
    public long Nulls { get; private set; }
    public long NaNs { get; private set; }
    public object? Min { get; private set; }
    public object? Max { get; private set; }

    public void Update(Array column)
    {
        Values += column.Length;
        switch (column)
        {
            case int[] a: MinMax(a); break;
            case int?[] a: MinMaxN(a); break;
            case long[] a: MinMax(a); break;
            case long?[] a: MinMaxN(a); break;
            case double[] a: Floats(a); break;
            case double?[] a: FloatsN(a); break;
            case float[] a: Floats(Array.ConvertAll(a, x => (double)x), asFloat: true); break;
            case float?[] a: FloatsN(Array.ConvertAll(a, x => (double?)x), asFloat: true); break;
            case decimal[] a: MinMax(a); break;
            case decimal?[] a: MinMaxN(a); break;
            case bool[] a: MinMax(a); break;
            case bool?[] a: MinMaxN(a); break;
            case DateOnly[] a: MinMax(a, d => d.DayNumber - Conversions.Epoch.DayNumber); break;
            case DateOnly?[] a: MinMaxN(a, d => d.DayNumber - Conversions.Epoch.DayNumber); break;
            case DateTime[] a: MinMax(a, Conversions.MicrosFromEpoch); break;
            case DateTime?[] a: MinMaxN(a, Conversions.MicrosFromEpoch); break;
            case TimeOnly[] a: MinMax(a, t => t.Ticks / 10); break;
            case TimeOnly?[] a: MinMaxN(a, t => t.Ticks / 10); break;
            case Guid[] a: Objects(a.Select(x => (object?)x)); break;
            case Guid?[] a: Objects(a.Select(x => (object?)x)); break;
            case string?[] a: Strings(a); break;
            case byte[]?[] a: Objects(a); break;
            default: throw new NotSupportedException($"no statistics for {column.GetType()}");
        }
    }

    private void MinMax(long[] a)
    {
        if (a.Length == 0) return;
        Merge(a.Min(), a.Max()); // vectorized
    }

    private void MinMax(int[] a)
    {
        if (a.Length == 0) return;
        Merge(a.Min(), a.Max());
    }

    private void MinMax<T>(T[] a) where T : struct, IComparable<T>
    {
        if (a.Length == 0) return;
        var min = a[0];
        var max = a[0];
        foreach (var v in a)
        {
            if (v.CompareTo(min) < 0) min = v;
            if (v.CompareTo(max) > 0) max = v;
        }
        Merge(min, max);
    }

    private void MinMaxN<T>(T?[] a) where T : struct, IComparable<T>
    {
        T? min = null, max = null;
        foreach (var v in a)
        {
            if (v is not { } x) { Nulls++; continue; }
            if (min is null || x.CompareTo(min.Value) < 0) min = x;
            if (max is null || x.CompareTo(max.Value) > 0) max = x;
        }
        if (min is not null) Merge(min.Value, max!.Value);
    }

    private void MinMax<T, TK>(T[] a, Func<T, TK> key) where TK : struct, IComparable<TK> => MinMax(Array.ConvertAll(a, x => key(x)));

    private void MinMaxN<T, TK>(T?[] a, Func<T, TK> key) where T : struct where TK : struct, IComparable<TK> =>
        MinMaxN(Array.ConvertAll(a, x => x is { } v ? key(v) : (TK?)null));

    private void Floats(double[] a, bool asFloat = false)
    {
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        var any = false;
        foreach (var x in a)
        {
            if (double.IsNaN(x)) { NaNs++; continue; }
            any = true;
            if (x < min || (x == 0 && min == 0 && double.IsNegative(x))) min = x;
            if (x > max || (x == 0 && max == 0 && !double.IsNegative(x))) max = x;
        }
        if (!any) return;
        if (asFloat) Merge((float)min, (float)max);
        else Merge(min, max);
    }

    private void FloatsN(double?[] a, bool asFloat = false)
    {
        double? min = null, max = null;
        foreach (var v in a)
        {
            if (v is not { } x) { Nulls++; continue; }
            if (double.IsNaN(x)) { NaNs++; continue; }
            // -0.0 sorts before +0.0 (IEEE 754 totalOrder)
            if (min is null || x < min || (x == 0 && min == 0 && double.IsNegative(x))) min = x;
            if (max is null || x > max || (x == 0 && max == 0 && !double.IsNegative(x))) max = x;
        }
        if (min is null) return;
        if (asFloat) Merge((float)min.Value, (float)max!.Value);
        else Merge(min.Value, max!.Value);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Strings(string?[] a)
    {
        string? min = null, max = null;
        foreach (var v in a)
        {
            if (v is null) { Nulls++; continue; }
            if (ReferenceEquals(v, min) || ReferenceEquals(v, max)) continue; // repeated (reused) strings
            if (min is null || Utf16InCodePointOrder(v, min) < 0) min = v;
            if (max is null || Utf16InCodePointOrder(v, max) > 0) max = v;
        }
        if (min is not null) Merge(min, max!);
    }

    private void Objects(IEnumerable<object?> values)
    {
        object? min = null, max = null;
        foreach (var v in values)
        {
            if (v is null) { Nulls++; continue; }
            if (min is null || Conversions.Compare(v, min) < 0) min = v;
            if (max is null || Conversions.Compare(v, max) > 0) max = v;
        }
        if (min is not null) Merge(min, max!);
    }

    /// <summary>Merges bounds known from elsewhere (a file's footer statistics); a null side is skipped.</summary>
    public void Observe(object? min, object? max)
    {
        if (min is not null && (Min is null || Conversions.Compare(min, Min) < 0)) Min = min;
        if (max is not null && (Max is null || Conversions.Compare(max, Max) > 0)) Max = max;
    }

    private void Merge(object min, object max)
    {
        if (Min is null || Conversions.Compare(min, Min) < 0) Min = min;
        if (Max is null || Conversions.Compare(max, Max) > 0) Max = max;
    }

    /// <summary>Ordinal comparison fixed up so surrogate pairs sort after U+E000–U+FFFF, i.e. code point (UTF-8) order.</summary>
    public static int Utf16InCodePointOrder(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = a.AsSpan(0, n).CommonPrefixLength(b.AsSpan(0, n)); i < n; i++) // vectorised skip of the shared prefix
        {
            int ca = a[i], cb = b[i];
            if (ca == cb) continue;
            if (ca >= 0xD800 && cb >= 0xD800)
            {
                ca += ca >= 0xE000 ? -0x800 : 0x2000;
                cb += cb >= 0xE000 ? -0x800 : 0x2000;
            }
            return ca - cb;
        }
        return a.Length - b.Length;
    }

    public byte[]? LowerBound() => Min is null ? null : type.Id switch
    {
        TypeId.String => Encoding.UTF8.GetBytes(Transforms.TruncateTransform.TruncateString((string)Min, TruncateLength)),
        TypeId.Binary or TypeId.Fixed when ((byte[])Min).Length > TruncateLength => ((byte[])Min)[..TruncateLength],
        _ => Conversions.ToBytes(type, Min),
    };

    public byte[]? UpperBound()
    {
        if (Max is null) return null;
        switch (type.Id)
        {
            case TypeId.String:
            {
                var s = (string)Max;
                var t = Transforms.TruncateTransform.TruncateString(s, TruncateLength);
                if (t.Length == s.Length) return Encoding.UTF8.GetBytes(s);
                var runes = t.EnumerateRunes().ToList();
                for (var i = runes.Count - 1; i >= 0; i--)
                {
                    var next = runes[i].Value + 1;
                    if (next == 0xD800) next = 0xE000;
                    if (next <= 0x10FFFF)
                        return Encoding.UTF8.GetBytes(string.Concat(runes.Take(i).Select(r => r.ToString())) + new Rune(next).ToString());
                }
                return null;
            }
            case TypeId.Binary or TypeId.Fixed:
            {
                var b = (byte[])Max;
                if (b.Length <= TruncateLength) return b;
                var t = b[..TruncateLength];
                for (var i = t.Length - 1; i >= 0; i--)
                    if (t[i] != 0xff) { t[i]++; return t[..(i + 1)]; }
                return null;
            }
            default:
                return Conversions.ToBytes(type, Max);
        }
    }
}
