using Dativo.Core.Contracts;
using Dativo.Lake.Engine;

namespace Dativo.Streaming.Tests;

/// <summary>The ODCS contract the format-conversion and Iceberg tests write by, and a DuckDB reader of what they wrote.</summary>
internal static class ContractKit
{
    public const string Yaml = """
        apiVersion: v3.0.2
        kind: DataContract
        name: clicks
        version: "1.0"
        domain: web
        schema:
          - {name: id, type: long, required: true}
          - {name: page, type: string, required: true, classification: internal}
          - {name: price, type: decimal, precision: 10, scale: 2}
          - {name: at, type: timestamp}
          - {name: ok, type: boolean}
        team: {owner: web-data@example.com}
        compliance: {classification: [internal], retention_days: 30}
        """;

    public static DataContract Clicks() => ContractLoader.Parse(Yaml, "clicks.contract.yaml", _ => null);

    /// <summary>The rows of a Parquet file as DuckDB reads them, ordered by id, with each column's DuckDB type.</summary>
    public static async Task<(IReadOnlyList<string> Types, List<string> Rows)> ReadParquetAsync(string file)
    {
        await using var engine = await DuckDbEngine.OpenAsync(threads: 1);
        var source = $"read_parquet('{file.Replace("'", "''", StringComparison.Ordinal)}')";
        var types = await engine.QueryAsync($"DESCRIBE SELECT * FROM {source}");
        var result = await engine.QueryAsync($"SELECT * FROM {source} ORDER BY id");
        return ([.. types.Rows.Select(r => $"{r[0]} {r[1]}")], [.. result.Rows.Select(Row)]);
    }

    public static string Row(object?[] row) =>
        string.Join('|', row.Select(v => v switch
        {
            null => "null",
            DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => v.ToString(),
        }));
}
