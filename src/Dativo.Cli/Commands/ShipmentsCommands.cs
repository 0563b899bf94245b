using System.CommandLine;
using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Scan;
using Spectre.Console;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo shipments …</c>: the seed-004 shipment analytics on the embedded DuckDB engine.</summary>
internal static class ShipmentsCommands
{
    private static readonly Dictionary<string, ExportFormat> Formats = new() { ["csv"] = ExportFormat.Csv, ["parquet"] = ExportFormat.Parquet };

    public static Command Create()
    {
        var shipments = new Command("shipments", "Shipment analytics (carrier_performance, route_efficiency, cost_analysis, delay_trends, warehouse_demand)");
        shipments.Subcommands.Add(Analyze());
        return shipments;
    }

    private static Command Analyze()
    {
        var input = new Option<string>("--input") { Description = "Parquet/CSV file, a folder of them (searched recursively), or an Iceberg table namespace.name in --warehouse", Required = true };
        var warehouse = new Option<string>("--warehouse") { Description = "Warehouse folder for a table --input", DefaultValueFactory = _ => LakeWarehouse.DefaultPath };
        var output = new Option<string>("--out") { Description = "Folder for the outputs (<name>.csv or <name>.parquet)", Required = true };
        var format = new Option<string>("--format") { Description = "csv or parquet", DefaultValueFactory = _ => "csv" };
        var date = new Option<string?>("--date") { Description = "Only this shipment day (YYYY-MM-DD)" };
        var only = new Option<string[]>("--output") { Description = "Only these outputs (repeatable; daily_trends = delay_trends)", AllowMultipleArgumentsPerToken = true };
        var sql = new Option<string?>("--sql") { Description = "Folder with the SQL files (default: the built-in copies of examples/shipments/sql)" };
        var rows = new Option<int>("--rows") { Description = "Rows shown per table", DefaultValueFactory = _ => 20 };
        var quiet = new Option<bool>("--quiet") { Description = "Do not print the tables" };
        var cmd = new Command("analyze", "Run the five shipment analytics and write them to --out") { input, warehouse, output, format, date, only, sql, rows, quiet };
        cmd.SetAction(async (pr, ct) =>
        {
            var fmt = CliArgs.Choice("--format", pr.GetValue(format), Formats);
            var day = CliArgs.OptionalDate("--date", pr.GetValue(date));
            var names = pr.GetValue(only) is { Length: > 0 } o ? o.Select(ShipmentAnalytics.CanonicalName).Distinct().ToArray() : [.. ShipmentAnalytics.Outputs];
            var sqlDir = pr.GetValue(sql);
            var outDir = Path.GetFullPath(pr.GetValue(output)!);
            var quietValue = pr.GetValue(quiet);
            var console = ResultTables.Console(pr.InvocationConfiguration.Output);

            await using var engine = await DuckDbEngine.OpenAsync(ct: ct).ConfigureAwait(false);
            var inputValue = pr.GetValue(input)!;
            var source = await RegisterAsync(engine, inputValue, pr.GetValue(warehouse)!, day, ct).ConfigureAwait(false);
            foreach (var name in names)
            {
                var file = await ShipmentAnalytics.ExportAsync(engine, name, outDir, fmt, sqlDir, ct).ConfigureAwait(false);
                if (quietValue) continue;
                var shown = pr.GetValue(rows);
                var head = await engine.QueryAsync($"SELECT * FROM (\n{DuckDbEngine.StripTerminator(ShipmentAnalytics.LoadSql(name, sqlDir))}\n) AS t LIMIT {shown + 1}", ct: ct).ConfigureAwait(false);
                ResultTables.Print(console, name, head, shown);
                console.Write(new Text($"→ {file}\n"));
            }
            if (!quietValue)
                console.Write(new Text($"{names.Length} output(s) from {source}{(day is { } d ? $" for {d:yyyy-MM-dd}" : "")} written to {outDir}\n"));
            return 0;
        });
        return cmd;
    }

    /// <summary>View <c>shipments</c> over files, or over an Iceberg table (the day pushed into its scan); returns what was read.</summary>
    private static async Task<string> RegisterAsync(DuckDbEngine engine, string input, string warehouse, DateOnly? day, CancellationToken ct)
    {
        var isPath = File.Exists(input) || Directory.Exists(input) || input.Contains('/', StringComparison.Ordinal)
            || input.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || input.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        if (isPath || !input.Contains('.', StringComparison.Ordinal))
        {
            var files = await ShipmentAnalytics.RegisterInputAsync(engine, input, day, ct).ConfigureAwait(false);
            return $"{files.Count} input file(s)";
        }
        var lake = LakeWarehouse.Open(warehouse);
        var id = LakeWarehouse.ParseTable(input, "--input", existing: true);
        var table = await lake.OpenTableAsync(id, ct).ConfigureAwait(false);
        await LakeSql.RegisterTableAsync(engine, "shipments", table, day is { } d ? Expr.Eq("shipment_date", d) : null, ct).ConfigureAwait(false);
        return $"table {id}";
    }
}
