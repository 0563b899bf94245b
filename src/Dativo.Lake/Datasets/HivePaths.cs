using System.Globalization;
using System.Text;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Datasets;

/// <summary>
/// Hive partition folder names: <c>col=value</c> with the characters Hive's <c>FileUtils.escapePathName</c> escapes
/// written as <c>%XX</c>; null and empty values become <c>__HIVE_DEFAULT_PARTITION__</c>.
/// </summary>
public static class HivePaths
{
    public const string DefaultPartition = "__HIVE_DEFAULT_PARTITION__";

    private static readonly System.Buffers.SearchValues<char> Escaped = System.Buffers.SearchValues.Create("\"#%'*/:=?\\\u007f{[]^");

    /// <summary>Escapes a column name or value for a path segment.</summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c < 0x20 || Escaped.Contains(c)) sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Reverses <see cref="Escape"/> (malformed <c>%</c> sequences are kept as they are).</summary>
    public static string Unescape(string segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var sb = new StringBuilder(segment.Length);
        for (var i = 0; i < segment.Length; i++)
        {
            if (segment[i] == '%' && i + 2 < segment.Length
                && int.TryParse(segment.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                sb.Append((char)code);
                i += 2;
            }
            else sb.Append(segment[i]);
        }
        return sb.ToString();
    }

    /// <summary>The partition value as Hive writes it (dates <c>yyyy-MM-dd</c>, timestamps <c>yyyy-MM-dd HH:mm:ss[.ffffff]</c>); null for null.</summary>
    public static string? ValueString(PrimitiveType type, object? value)
    {
        if (value is null) return null;
        switch (type.Id)
        {
            case TypeId.Timestamp or TypeId.TimestampTz:
                var ts = Conversions.DateTimeFromMicros(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                var s = ts.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                var frac = ts.Ticks % TimeSpan.TicksPerSecond;
                return frac == 0 ? s : s + ts.ToString(".ffffff", CultureInfo.InvariantCulture).TrimEnd('0');
            default:
                return Conversions.ToHumanString(type, value);
        }
    }

    /// <summary>One <c>col=value</c> segment.</summary>
    public static string Segment(string column, string? value) =>
        Escape(column) + "=" + (string.IsNullOrEmpty(value) ? DefaultPartition : Escape(value));

    /// <summary>Parses a <c>col=value</c> segment; a default-partition value becomes null.</summary>
    public static (string Column, string? Value) ParseSegment(string segment)
    {
        var eq = segment.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0) throw new FormatException($"'{segment}' is not a col=value folder");
        var value = segment[(eq + 1)..];
        return (Unescape(segment[..eq]), value == DefaultPartition ? null : Unescape(value));
    }
}
