using System.Globalization;

namespace Dativo.Core.Text;

/// <summary>Instants as text, whatever the machine's culture: ISO-8601 in UTC with a Z.</summary>
public static class IsoTime
{
    /// <summary>An instant with its full precision, for JSON and logs: <c>2026-12-03T08:24:50.1234567Z</c>.</summary>
    public static string? Precise(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
