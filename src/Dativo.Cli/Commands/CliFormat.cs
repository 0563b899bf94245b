using System.Globalization;
using System.Text.Json.Nodes;

namespace Dativo.Cli.Commands;

/// <summary>
/// How the CLI prints times and values, whatever the machine's culture: instants as ISO-8601 UTC with Z, times of day
/// as <c>HH:mm:ss.ffffff</c>, binary as lowercase hex without separators.
/// </summary>
internal static class CliFormat
{
    /// <summary>An instant to the second, for tables: <c>2026-12-03T08:24:50Z</c>.</summary>
    public static string Instant(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Instant(DateTimeOffset? t) => t is { } v ? Instant(v) : "-";

    /// <summary>An instant with its full precision, for JSON: <c>2026-12-03T08:24:50.1234567Z</c>.</summary>
    public static string? InstantPrecise(DateTimeOffset? t) => Core.Text.IsoTime.Precise(t);

    /// <summary>A compact duration of at most 7 characters: <c>0.4s</c>, <c>59.9s</c>, <c>12m03s</c>, <c>5h02m</c>, <c>3d04h</c>.</summary>
    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        var inv = CultureInfo.InvariantCulture;
        if (d.TotalSeconds < 60) return string.Create(inv, $"{Math.Floor(d.TotalSeconds * 10) / 10:0.0}s");
        if (d.TotalMinutes < 60) return string.Create(inv, $"{(int)d.TotalMinutes}m{d.Seconds:00}s");
        if (d.TotalHours < 24) return string.Create(inv, $"{(int)d.TotalHours}h{d.Minutes:00}m");
        return string.Create(inv, $"{(int)d.TotalDays}d{d.Hours:00}h");
    }

    /// <summary>A query value as text: the same in the table and in <c>--json</c> for times, instants and binary.</summary>
    public static string? Text(object? v, string? duckDbType = null) => v switch
    {
        // DuckDB hands TIMESTAMPTZ back as a DateTime in UTC whose kind may say nothing about it
        DateTime dt when IsZoned(duckDbType) => DateTime.SpecifyKind(dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt, DateTimeKind.Utc)
            .ToString("yyyy-MM-dd'T'HH:mm:ss'.'ffffff'Z'", CultureInfo.InvariantCulture),
        null => null,
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture),
        TimeSpan t => TimeOfDay(t),
        // TIMESTAMP (no zone) has no Z; TIMESTAMPTZ values come back in UTC and carry it.
        DateTime dt => dt.Kind == DateTimeKind.Unspecified
            ? dt.ToString("yyyy-MM-dd'T'HH:mm:ss'.'ffffff", CultureInfo.InvariantCulture)
            : dt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'.'ffffff'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset o => o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'.'ffffff'Z'", CultureInfo.InvariantCulture),
        byte[] b => Convert.ToHexStringLower(b),
        ReadOnlyMemory<byte> m => Convert.ToHexStringLower(m.Span),
        Stream s => Hex(s),
        Guid g => g.ToString("D"),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    /// <summary>A query value for <c>--json</c>: numbers and booleans stay JSON numbers and booleans, the rest is <see cref="Text"/>.</summary>
    public static JsonNode? Json(object? v, string? duckDbType = null) => v switch
    {
        null => null,
        bool b => b,
        long or int or short or byte or ulong or uint or ushort or sbyte => JsonValue.Create(Convert.ToDecimal(v, CultureInfo.InvariantCulture)),
        double d when double.IsFinite(d) => d,
        float f when float.IsFinite(f) => f,
        decimal m => m,
        System.Numerics.BigInteger i => JsonValue.Create(i.ToString(CultureInfo.InvariantCulture)),
        _ => Text(v, duckDbType),
    };

    private static bool IsZoned(string? duckDbType) =>
        duckDbType is not null && (duckDbType.Contains("TIME ZONE", StringComparison.OrdinalIgnoreCase) || duckDbType.StartsWith("TIMESTAMPTZ", StringComparison.OrdinalIgnoreCase));

    private static string TimeOfDay(TimeSpan t)
    {
        var ticks = t.Ticks % TimeSpan.TicksPerDay;
        return new TimeOnly(ticks < 0 ? ticks + TimeSpan.TicksPerDay : ticks).ToString("HH':'mm':'ss'.'ffffff", CultureInfo.InvariantCulture);
    }

    private static string Hex(Stream s)
    {
        using var buffer = new MemoryStream();
        if (s.CanSeek) s.Position = 0;
        s.CopyTo(buffer);
        return Convert.ToHexStringLower(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
