using Dativo.Lake.Engine;

namespace Dativo.Ingestion.Bulk;

/// <summary>How a bulk load gives a file up to the row path: a SQL error raised on the first value it cannot take exactly.</summary>
internal static class BulkFallback
{
    private const string Marker = "dativo-bulk-fallback";

    /// <summary>A SQL expression that fails the load, naming the column and why.</summary>
    public static string Error(string column, string why) => $"error({SqlText.Literal($"{Marker}: {column}: {why}")})";

    /// <summary>The first line of DuckDB's message, without the SQL (which can be long).</summary>
    public static string Reason(string message)
    {
        var line = message.Split('\n')[0].Replace("SQL failed: ", "", StringComparison.Ordinal);
        return line.Length <= 240 ? line : line[..240] + "…";
    }
}
