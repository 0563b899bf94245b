using System.Runtime.CompilerServices;
using System.Globalization;

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryLong(ReadOnlySpan<char> s, out long v)
    {
        if (TryPlainLong(s, out v)) return true;
        s = s.Trim();
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, Inv, out v)) return true;
        // "12.0" / "1e3" from spreadsheets: accept only when the value is integral (and exactly the text's).
        if (TryExactDecimal(s, out var d) && d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue)
        {
            v = (long)d;
            return true;
        }
        return false;
    }

    /// <summary>Fast path: <c>[-]digits</c>, at most 18 digits (no overflow possible); anything else goes to long.TryParse.</summary>
    private static bool TryPlainLong(ReadOnlySpan<char> s, out long v)
    {
        v = 0;
        var negative = s.Length > 0 && s[0] == '-';
        var i = negative ? 1 : 0;
        if (s.Length == i || s.Length - i > 18) return false;
        for (; i < s.Length; i++)
        {
            var d = s[i] - '0';
            if ((uint)d > 9) { v = 0; return false; }
            v = (v * 10) + d;
        }
        if (negative) v = -v;
        return true;
    }

    public static bool TryInt(ReadOnlySpan<char> s, out int v)
    {
        v = 0;
        if (!TryLong(s, out var l) || l < int.MinValue || l > int.MaxValue) return false;
        v = (int)l;
        return true;
    }

    /// <summary>A double; a number that only parses by overflowing to ±infinity or underflowing to zero is refused (its value would change).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryDouble(ReadOnlySpan<char> s, out double v)
    {
        s = s.Trim();
        if (!double.TryParse(s, NumberStyles.Float, Inv, out v)) return false;
        if (v == 0) return !HasNonZeroDigit(s);
        return !double.IsInfinity(v) || !s.ContainsAnyInRange('0', '9'); // "Infinity" is a value, "1e999" is not
    }

    /// <summary>Whether the significand (the part before an exponent) has a digit 1-9.</summary>
    private static bool HasNonZeroDigit(ReadOnlySpan<char> s)
    {
        var e = s.IndexOfAny('e', 'E');
        return (e < 0 ? s : s[..e]).ContainsAnyInRange('1', '9');
    }

    /// <summary>Parses and checks precision/scale: more fractional digits than the scale is an error (no silent rounding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryDecimal(ReadOnlySpan<char> s, int precision, int scale, out decimal v)
    {
        s = s.Trim();
        if (TryPlainDecimal(s, out v)) return FitsDecimal(ref v, precision, scale);
        return TryExactDecimal(s, out v) && FitsDecimal(ref v, precision, scale);
    }

    /// <summary>
    /// decimal.TryParse, refused when the result is not exactly the text's number: .NET rounds to 28-29 significant
    /// digits and turns a tiny exponent (1e-400) into 0 without saying so.
    /// </summary>
    private static bool TryExactDecimal(ReadOnlySpan<char> s, out decimal v) =>
        decimal.TryParse(s, NumberStyles.Float, Inv, out v) && Normalized(s) is { } text && text == Normalized(v);

    /// <summary>The significant digits (no leading or trailing zeros) and the power of ten of their last digit; digits "" for zero; null when not a number.</summary>
    private static (string Digits, long Exponent)? Normalized(ReadOnlySpan<char> s)
    {
        s = s.Trim();
        if (s.Length > 0 && s[0] is '+' or '-') s = s[1..];
        var e = s.IndexOfAny('e', 'E');
        long exponent = 0;
        if (e >= 0)
        {
            if (!long.TryParse(s[(e + 1)..], NumberStyles.AllowLeadingSign, Inv, out exponent))
                exponent = s[e + 1] == '-' ? int.MinValue : int.MaxValue; // far beyond any decimal either way
            s = s[..e];
        }
        var point = s.IndexOf('.');
        var digits = point < 0 ? s.ToString() : string.Concat(s[..point], s[(point + 1)..]);
        if (point >= 0) exponent -= s.Length - point - 1;
        if (digits.Length == 0 || digits.AsSpan().ContainsAnyExceptInRange('0', '9')) return null;
        return Trimmed(digits, exponent);
    }

    private static (string Digits, long Exponent) Normalized(decimal v)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(v, bits);
        var mantissa = ((System.Numerics.BigInteger)(uint)bits[2] << 64) | ((System.Numerics.BigInteger)(uint)bits[1] << 32) | (uint)bits[0];
        return Trimmed(mantissa.ToString(Inv), -v.Scale);
    }

    private static (string Digits, long Exponent) Trimmed(string digits, long exponent)
    {
        var t = digits.TrimStart('0');
        var end = t.TrimEnd('0');
        return end.Length == 0 ? ("", 0) : (end, exponent + (t.Length - end.Length));
    }

    /// <summary>Fast path for the common form <c>[-]digits[.digits]</c> with at most 18 digits; anything else goes to decimal.TryParse.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryPlainDecimal(ReadOnlySpan<char> s, out decimal v)
    {
        v = 0;
        var i = 0;
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+') { negative = s[0] == '-'; i = 1; }
        long mantissa = 0;
        var digits = 0;
        var scale = -1;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '.')
            {
                if (scale >= 0) return false;
                scale = 0;
                continue;
            }
            var d = c - '0';
            if ((uint)d > 9 || ++digits > 18) return false;
            mantissa = (mantissa * 10) + d;
            if (scale >= 0) scale++;
        }
        if (digits == 0) return false;
        v = new decimal((int)mantissa, (int)(mantissa >> 32), 0, negative, (byte)Math.Max(scale, 0));
        return true;
    }

    private static readonly decimal[] Pow10 = [.. Enumerable.Range(0, 29).Select(i => Enumerable.Repeat(10m, i).Aggregate(1m, (a, b) => a * b))];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool FitsDecimal(ref decimal v, int precision, int scale)
    {
        if (v.Scale > scale)
        {
            var rounded = decimal.Round(v, Math.Min(scale, 28));
            if (rounded != v) return false;
            v = rounded;
        }
        // |v| < 10^intDigits ⇔ |truncate(v)| < 10^intDigits, as 10^intDigits is an integer
        var intDigits = precision - scale;
        if (intDigits > 28) return true;
        var limit = Pow10[intDigits];
        return v < limit && v > -limit;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryDate(ReadOnlySpan<char> s, out DateOnly v)
    {
        s = s.Trim();
        if (s.Length == 10 && TryYmd(s, out var y, out var mo, out var d) && d <= DateTime.DaysInMonth(y, mo))
        {
            v = new DateOnly(y, mo, d);
            return true;
        }
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryTimestamp(ReadOnlySpan<char> s, out DateTime v)
    {
        s = s.Trim();
        // fast path: yyyy-MM-dd[T ]HH:mm:ss[Z]
        if ((s.Length == 19 || (s.Length == 20 && s[19] is 'Z' or 'z')) && s[10] is 'T' or ' ' && s[13] == ':' && s[16] == ':'
            && TryYmd(s, out var y, out var mo, out var d) && d <= DateTime.DaysInMonth(y, mo)
            && Two(s, 11, out var hh) && Two(s, 14, out var mi) && Two(s, 17, out var ss) && hh < 24 && mi < 60 && ss < 60)
        {
            v = new DateTime(y, mo, d, hh, mi, ss, DateTimeKind.Utc);
            return true;
        }
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryYmd(ReadOnlySpan<char> s, out int y, out int m, out int d)
    {
        y = m = d = 0;
        if (s.Length < 10 || s[4] != '-' || s[7] != '-') return false;
        for (var i = 0; i < 4; i++)
        {
            var c = s[i] - '0';
            if ((uint)c > 9) return false;
            y = (y * 10) + c;
        }
        return Two(s, 5, out m) && Two(s, 8, out d) && y > 0 && m is >= 1 and <= 12 && d >= 1;
    }

    private static bool Two(ReadOnlySpan<char> s, int at, out int v)
    {
        var a = s[at] - '0';
        var b = s[at + 1] - '0';
        v = (a * 10) + b;
        return (uint)a <= 9 && (uint)b <= 9;
    }

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
