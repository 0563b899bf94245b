using Dativo.Core.Errors;
using Dativo.Lake.Engine;

namespace Dativo.Ingestion.Generators.Shipments;

/// <summary>
/// The five shipment analytics of seed 004, as SQL files (examples/shipments/sql, embedded in this assembly)
/// run on the DuckDB engine over a view <c>shipments</c>.
/// </summary>
public static class ShipmentAnalytics
{
    public static IReadOnlyList<string> Outputs { get; } =
        ["carrier_performance", "route_efficiency", "cost_analysis", "delay_trends", "warehouse_demand"];

    /// <summary>Canonical output name; <c>daily_trends</c> (the seed text's name) is an alias of <c>delay_trends</c>.</summary>
    public static string CanonicalName(string output)
    {
        var n = output.Trim().ToLowerInvariant();
        if (n == "daily_trends") n = "delay_trends";
        if (!Outputs.Contains(n))
            throw new DativoException($"unknown shipments output '{output}'; known: {string.Join(", ", Outputs)} (daily_trends = delay_trends)");
        return n;
    }

    /// <summary>The SQL of an output: from <paramref name="sqlDir"/> when given, else the embedded copy.</summary>
    public static string LoadSql(string output, string? sqlDir = null)
    {
        var name = CanonicalName(output);
        if (sqlDir is not null)
        {
            var path = Path.Combine(sqlDir, name + ".sql");
            if (!File.Exists(path)) throw new DativoException($"{path}: SQL file not found (--sql names a folder with {name}.sql)");
            return File.ReadAllText(path);
        }
        using var s = typeof(ShipmentAnalytics).Assembly.GetManifestResourceStream($"Dativo.Shipments.Sql.{name}.sql")
            ?? throw new InvalidOperationException($"embedded SQL {name}.sql missing");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>
    /// Registers view <c>shipments</c> over <paramref name="input"/> (a Parquet/CSV file, or a folder searched
    /// recursively for *.parquet, else *.csv). With <paramref name="day"/>, only that shipment day: Hive folders
    /// <c>shipment_date=…</c> of other days are skipped, and rows are filtered.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RegisterInputAsync(DuckDbEngine engine, string input, DateOnly? day, CancellationToken ct)
    {
        var (files, csv) = FindInputFiles(input, day);
        if (csv) await engine.RegisterCsvViewAsync("shipments_source", files, ct).ConfigureAwait(false);
        else await engine.RegisterParquetViewAsync("shipments_source", files, ct: ct).ConfigureAwait(false);
        var filter = day is { } d ? $" WHERE CAST(shipment_date AS DATE) = {SqlText.Literal(d)}" : "";
        await engine.RegisterViewAsync("shipments", "SELECT * FROM shipments_source" + filter, ct).ConfigureAwait(false);
        return files;
    }

    public static async Task<QueryResult> QueryAsync(DuckDbEngine engine, string output, string? sqlDir, CancellationToken ct)
        => await engine.QueryAsync(LoadSql(output, sqlDir), ct: ct).ConfigureAwait(false);

    /// <summary>Writes an output to <c>{outDir}/{name}.{csv|parquet}</c>; returns the file.</summary>
    public static async Task<string> ExportAsync(DuckDbEngine engine, string output, string outDir, ExportFormat format, string? sqlDir, CancellationToken ct)
    {
        var name = CanonicalName(output);
        var file = Path.Combine(outDir, name + (format == ExportFormat.Csv ? ".csv" : ".parquet"));
        await engine.ExportAsync(LoadSql(name, sqlDir), file, format, ct: ct).ConfigureAwait(false);
        return file;
    }

    internal static (IReadOnlyList<string> Files, bool Csv) FindInputFiles(string input, DateOnly? day)
    {
        var full = Path.GetFullPath(input);
        if (File.Exists(full))
        {
            if (full.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) return ([full], false);
            if (full.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return ([full], true);
            throw new DativoException($"{input}: not a .parquet or .csv file");
        }
        if (!Directory.Exists(full)) throw new DativoException($"{input}: no such file or folder (--input takes a Parquet/CSV file or a folder of them)");
        foreach (var (pattern, csv) in new[] { ("*.parquet", false), ("*.csv", true) })
        {
            var all = Directory.GetFiles(full, pattern, SearchOption.AllDirectories);
            if (all.Length == 0) continue;
            if (day is { } d)
            {
                var dayDir = $"shipment_date={d:yyyy-MM-dd}";
                var partitioned = all.Where(f => Path.GetRelativePath(full, f).Contains("shipment_date=", StringComparison.Ordinal)).ToArray();
                if (partitioned.Length == all.Length)
                {
                    all = all.Where(f => Path.GetRelativePath(full, f).Split(Path.DirectorySeparatorChar).Contains(dayDir)).ToArray();
                    if (all.Length == 0) throw new DativoException($"{input}: no data for --date {d:yyyy-MM-dd} (no {dayDir} folder)");
                }
            }
            Array.Sort(all, StringComparer.Ordinal);
            return (all, csv);
        }
        throw new DativoException($"{input}: folder has no .parquet or .csv files");
    }
}
