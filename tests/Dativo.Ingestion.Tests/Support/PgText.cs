using System.Globalization;

namespace Dativo.Ingestion.Tests.Support;

/// <summary>PostgreSQL's text output of a value (DateStyle ISO, TimeZone UTC, bytea hex) parsed into the CLR value the source yields for its type.</summary>
internal static class PgText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] Timestamp = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF"];
    private static readonly string[] TimestampTz = ["yyyy-MM-dd HH:mm:sszz", "yyyy-MM-dd HH:mm:ss.FFFFFFzz"];

    public static object? Parse(string type, string? text) => text is null ? null : type switch
    {
        "smallint" or "integer" => int.Parse(text, Inv),
        "bigint" => long.Parse(text, Inv),
        "numeric" => decimal.Parse(text, NumberStyles.Float, Inv),
        "real" => (double)float.Parse(text, NumberStyles.Float, Inv),
        "double precision" => double.Parse(text, NumberStyles.Float, Inv),
        "boolean" => text switch { "t" or "true" => true, "f" or "false" => false, _ => throw new FormatException(text) },
        "date" => text switch
        {
            "infinity" => DateOnly.MaxValue,
            "-infinity" => DateOnly.MinValue,
            _ => DateOnly.ParseExact(text, "yyyy-MM-dd", Inv),
        },
        "timestamp without time zone" or "timestamp with time zone" => text switch
        {
            "infinity" => DateTime.MaxValue,
            "-infinity" => DateTime.MinValue,
            _ => DateTime.ParseExact(text, type.StartsWith("timestamp with ", StringComparison.Ordinal) ? TimestampTz : Timestamp, Inv,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        },
        "time without time zone" => Time(text),
        "uuid" => Guid.Parse(text, Inv),
        "bytea" => Convert.FromHexString(text.AsSpan(2)), // \x…
        _ => text,
    };

    /// <summary>hh:mm:ss[.ffffff], up to 24:00:00 (which TimeSpan and TimeOnly parsers refuse).</summary>
    private static TimeSpan Time(string text)
    {
        var parts = text.Split(':');
        return TimeSpan.FromHours(int.Parse(parts[0], Inv)) + TimeSpan.FromMinutes(int.Parse(parts[1], Inv))
            + TimeSpan.FromTicks((long)(decimal.Parse(parts[2], Inv) * TimeSpan.TicksPerSecond));
    }
}
