using System.Globalization;
using System.Numerics;

namespace Dativo.Ingestion.Records;

/// <summary>Parses text into contract types. Accepted forms are listed in docs/ingestion.md ("Coercion").</summary>
internal static class ValueParser
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd",
    ];

    private static readonly string[] OffsetFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mm:ss zzz", "yyyy-MM-dd HH:mm:ss.FFFFFFF zzz",
    ];

    public static bool TryLong(ReadOnlySpan<char> s, out long v)
    {
        s = s.Trim();
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, Inv, out v)) return true;
        // "12.0" / "1e3" from spreadsheets: accept only when the value is integral.
        if (decimal.TryParse(s, NumberStyles.Float, Inv, out var d) && d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue)
        {
            v = (long)d;
            return true;
        }
        return false;
    }

    public static bool TryInt(ReadOnlySpan<char> s, out int v)
    {
        v = 0;
        if (!TryLong(s, out var l) || l < int.MinValue || l > int.MaxValue) return false;
        v = (int)l;
        return true;
    }

    public static bool TryDouble(ReadOnlySpan<char> s, out double v) =>
        double.TryParse(s.Trim(), NumberStyles.Float, Inv, out v);

    /// <summary>Parses and checks precision/scale: more fractional digits than the scale is an error (no silent rounding).</summary>
    public static bool TryDecimal(ReadOnlySpan<char> s, int precision, int scale, out decimal v) =>
        decimal.TryParse(s.Trim(), NumberStyles.Float, Inv, out v) && FitsDecimal(ref v, precision, scale);

    public static bool FitsDecimal(ref decimal v, int precision, int scale)
    {
        var rounded = decimal.Round(v, Math.Min(scale, 28));
        if (rounded != v) return false;
        v = rounded;
        var unscaled = BigInteger.Abs(new BigInteger(decimal.Truncate(v * Pow10(Math.Min(scale, 28)))));
        return unscaled < BigInteger.Pow(10, precision);
    }

    private static decimal Pow10(int n)
    {
        var r = 1m;
        for (var i = 0; i < n; i++) r *= 10;
        return r;
    }

    public static bool TryBool(ReadOnlySpan<char> s, out bool v)
    {
        s = s.Trim();
        v = false;
        if (s.Length > 5) return false;
        Span<char> lower = stackalloc char[s.Length];
        s.ToLowerInvariant(lower);
        switch (lower)
        {
            case "true" or "1" or "yes" or "on" or "t" or "y": v = true; return true;
            case "false" or "0" or "no" or "off" or "f" or "n": return true;
            default: return false;
        }
    }

    public static bool TryDate(ReadOnlySpan<char> s, out DateOnly v)
    {
        s = s.Trim();
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", Inv, DateTimeStyles.None, out v)) return true;
        // A timestamp at midnight is a date; any other time of day is not.
        if (TryTimestamp(s, out var ts) && ts.TimeOfDay == TimeSpan.Zero)
        {
            v = DateOnly.FromDateTime(ts);
            return true;
        }
        return false;
    }

    /// <summary>ISO timestamps; with an offset or Z they are converted to UTC, without one they are taken as UTC.</summary>
    public static bool TryTimestamp(ReadOnlySpan<char> s, out DateTime v)
    {
        s = s.Trim();
        if (s.Length > 0 && (s[^1] is 'Z' or 'z' || HasOffset(s)))
        {
            if (DateTimeOffset.TryParseExact(s, OffsetFormats, Inv, DateTimeStyles.AssumeUniversal, out var dto))
            {
                v = dto.UtcDateTime;
                return true;
            }
            v = default;
            return false;
        }
        if (DateTime.TryParseExact(s, TimestampFormats, Inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out v))
        {
            v = DateTime.SpecifyKind(v, DateTimeKind.Utc);
            return true;
        }
        return false;
    }

    private static bool HasOffset(ReadOnlySpan<char> s) => s.Length > 16 && s[16..].IndexOfAny('+', '-') >= 0;

    public static bool TryTime(ReadOnlySpan<char> s, out TimeSpan v)
    {
        v = default;
        if (!TimeOnly.TryParseExact(s.Trim(), ["HH:mm:ss", "HH:mm:ss.FFFFFFF", "HH:mm"], Inv, DateTimeStyles.None, out var t)) return false;
        v = t.ToTimeSpan();
        return true;
    }

    public static bool TryUuid(ReadOnlySpan<char> s, out string v)
    {
        var ok = Guid.TryParse(s.Trim(), out var g);
        v = ok ? g.ToString("D") : "";
        return ok;
    }

    public static bool TryBinary(string s, out byte[] v)
    {
        v = [];
        var t = s.Trim();
        if (t.StartsWith("\\x", StringComparison.Ordinal) || t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            try { v = Convert.FromHexString(t.AsSpan(2)); return true; }
            catch (FormatException) { return false; }
        }
        var buf = new byte[t.Length];
        if (!Convert.TryFromBase64String(t, buf, out var n)) return false;
        v = buf[..n];
        return true;
    }
}
