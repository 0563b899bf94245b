using System.Globalization;
using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Engine;
using DuckDB.NET.Data;

namespace Dativo.Bench.Shipments;

/// <summary>(b) the five outputs over the generated Parquet: Dativo's engine vs the same SQL in plain DuckDB.NET.</summary>
internal static class AnalyticsBench
{
    public static async Task RunAsync(BenchOptions o)
    {
        var data = Path.Combine(o.Dir, "gen");
        if (!Directory.Exists(data))
            await ShipmentDataset.GenerateAsync(new ShipmentGenerateOptions(new DateOnly(2025, 5, 1), o.Days, o.Rows / o.Days, 42, data, ShipmentFileFormat.Parquet), TimeProvider.System, CancellationToken.None);
        var files = Directory.GetFiles(data, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var rows = o.Rows / o.Days * o.Days;

        foreach (var (label, format) in new[] { ("parquet", ExportFormat.Parquet), ("csv", ExportFormat.Csv) })
        {
            if (o.Only is not null && o.Only != label) continue;
            var ours = await Timing.BestAsync(o.Repeat, async () =>
            {
                await using var engine = await DuckDbEngine.OpenAsync();
                await ShipmentAnalytics.RegisterInputAsync(engine, data, null, CancellationToken.None);
                foreach (var name in ShipmentAnalytics.Outputs)
                    await ShipmentAnalytics.ExportAsync(engine, name, Path.Combine(o.Dir, "ours-" + label), format, null, CancellationToken.None);
            });
            var plain = await Timing.BestAsync(o.Repeat, async () =>
            {
                await using var c = new DuckDBConnection("DataSource=:memory:");
                await c.OpenAsync();
                await ExecAsync(c, "CREATE VIEW shipments AS SELECT * FROM read_parquet([" + string.Join(", ", files.Select(f => "'" + f + "'")) + "])");
                var outDir = Path.Combine(o.Dir, "plain-" + label);
                Directory.CreateDirectory(outDir);
                foreach (var name in ShipmentAnalytics.Outputs)
                {
                    var sql = DuckDbEngine.StripTerminator(ShipmentAnalytics.LoadSql(name));
                    var opts = format == ExportFormat.Parquet ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT csv, HEADER true";
                    await ExecAsync(c, $"COPY (\n{sql}\n) TO '{Path.Combine(outDir, name + "." + label)}' ({opts})");
                }
            });
            Console.WriteLine($"(b) 5 outputs → {label,-7} ours  {Timing.Rate(rows, ours)}");
            Console.WriteLine($"                      plain {Timing.Rate(rows, plain)}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    ratio ours/plain time: {ours.TotalSeconds / plain.TotalSeconds:F2} (goal <= 1.1)"));
        }
    }

    private static async Task ExecAsync(DuckDBConnection c, string sql)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }
}
