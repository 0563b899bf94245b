using System.Globalization;

namespace Dativo.Lake.Engine;

/// <summary>
/// CSV value formatting shared by the engine's CSV export and the data generators: RFC 4180 quoting,
/// ISO dates, and doubles in their shortest round-trip form ("R") with a trailing <c>.0</c> for integral
/// values, like Python/Spark print them (DuckDB's own CSV writer drops digits, so it is not used).
/// </summary>
public static class CsvText
{
    public static void WriteField(TextWriter w, object? value)
    {
        switch (value)
        {
            case null: break;
            case double d: WriteDouble(w, d); break;
            case float f: WriteDouble(w, f); break;
            case string s: WriteString(w, s); break;
            case DateOnly d: WriteDate(w, d); break;
            case DateTime dt: w.Write(dt.TimeOfDay == TimeSpan.Zero && dt.Kind != DateTimeKind.Utc ? dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : dt.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture)); break;
            case bool b: w.Write(b ? "true" : "false"); break;
            case IFormattable f: WriteString(w, f.ToString(null, CultureInfo.InvariantCulture)); break;
            default: WriteString(w, value.ToString() ?? ""); break;
        }
    }

    /// <summary>A typed writer for one result column (avoids boxing every value of large exports).</summary>
    public static Action<System.Data.Common.DbDataReader, int, TextWriter> ColumnWriter(Type clrType)
    {
        if (clrType == typeof(double)) return static (r, i, w) => WriteDouble(w, r.GetDouble(i));
        if (clrType == typeof(long)) return static (r, i, w) => WriteLong(w, r.GetInt64(i));
        if (clrType == typeof(int)) return static (r, i, w) => WriteLong(w, r.GetInt32(i));
        if (clrType == typeof(string)) return static (r, i, w) => WriteString(w, r.GetString(i));
        return static (r, i, w) => WriteField(w, r.GetValue(i));
    }

    public static void WriteDouble(TextWriter w, double d)
    {
        Span<char> buf = stackalloc char[40];
        if (!d.TryFormat(buf, out var n, "R", CultureInfo.InvariantCulture)) throw new InvalidOperationException("double too long");
        w.Write(buf[..n]);
        if (double.IsFinite(d) && buf[..n].IndexOfAny('.', 'E') < 0) w.Write(".0");
    }

    public static void WriteDate(TextWriter w, DateOnly d)
    {
        Span<char> buf = stackalloc char[10];
        d.TryFormat(buf, out var n, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        w.Write(buf[..n]);
    }

    public static void WriteLong(TextWriter w, long v)
    {
        Span<char> buf = stackalloc char[20];
        v.TryFormat(buf, out var n, default, CultureInfo.InvariantCulture);
        w.Write(buf[..n]);
    }

    public static void WriteString(TextWriter w, string s)
    {
        if (s.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            w.Write(s);
            return;
        }
        w.Write('"');
        w.Write(s.Replace("\"", "\"\""));
        w.Write('"');
    }
}
