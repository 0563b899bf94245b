using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Engine;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo generate …</c>: synthetic data sets.</summary>
internal static partial class GenerateCommands
{
    private static readonly Dictionary<string, ShipmentFileFormat> Formats = new() { ["parquet"] = ShipmentFileFormat.Parquet, ["csv"] = ShipmentFileFormat.Csv };

    public static Command Create(TimeProvider? time = null)
    {
        var generate = new Command("generate", "Generate synthetic data sets");
        generate.Subcommands.Add(Shipments(time ?? TimeProvider.System));
        return generate;
    }

    private static Command Shipments(TimeProvider time)
    {
        var start = new Option<string>("--start-date") { Description = "First shipment day (YYYY-MM-DD)", Required = true };
        var days = new Option<int>("--days") { Description = "Number of days", DefaultValueFactory = _ => 1 };
        var rows = new Option<long>("--rows-per-day") { Description = "Rows per day (the original made 50000 per run)", DefaultValueFactory = _ => 50_000 };
        var seed = new Option<ulong>("--seed") { Description = "Random seed: same arguments and seed give byte-identical files", DefaultValueFactory = _ => 4 };
        var output = new Option<string?>("--out")
        {
            Description = $"iceberg: table namespace.name (default {ShipmentIceberg.DefaultTable}); parquet/csv: folder (Hive layout shipment_date=YYYY-MM-DD/part-0.*) or a single .parquet/.csv file",
        };
        var format = new Option<string?>("--format") { Description = "iceberg (default), parquet or csv; without --format an --out that is a path (not namespace.name) means parquet (csv for *.csv)" };
        var warehouse = new Option<string>("--warehouse") { Description = "iceberg: warehouse folder (catalog at <warehouse>/catalog.db)", DefaultValueFactory = _ => LakeWarehouse.DefaultPath };
        var quiet = new Option<bool>("--quiet") { Description = "Print nothing on success" };
        var cmd = new Command("shipments", "Synthetic shipments (12 columns of the seed-004 generator, defects fixed)")
        {
            start, days, rows, seed, output, format, warehouse, quiet,
        };
        cmd.SetAction(async (pr, ct) =>
        {
            var startDay = CliArgs.Date("--start-date", pr.GetValue(start));
            var (fileFormat, outValue) = ResolveFormat(pr.GetValue(format), pr.GetValue(output));
            if (fileFormat is null)
                return await ToTableAsync(pr, time, startDay, pr.GetValue(days), pr.GetValue(rows), pr.GetValue(seed), outValue, pr.GetValue(warehouse)!, pr.GetValue(quiet), ct).ConfigureAwait(false);
            var options = new ShipmentGenerateOptions(startDay, pr.GetValue(days), pr.GetValue(rows), pr.GetValue(seed), outValue, fileFormat.Value);
            var result = await ShipmentDataset.GenerateAsync(options, time, ct).ConfigureAwait(false);
            if (!pr.GetValue(quiet))
            {
                var rate = result.Rows / Math.Max(result.Elapsed.TotalSeconds, 1e-9);
                await pr.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"generated {result.Rows:N0} shipments in {result.Files.Count} file(s) under {Path.GetFullPath(options.Output)} ({result.Elapsed.TotalSeconds:F2} s, {rate / 1e6:F2} M rows/s)")).ConfigureAwait(false);
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>(null = iceberg, the file format otherwise) and the --out value with its default.</summary>
    private static (ShipmentFileFormat? Format, string Out) ResolveFormat(string? format, string? output)
    {
        if (format is null)
        {
            var isFile = output is not null && (output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || output.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase));
            if (output is null || (!isFile && TableName().IsMatch(output))) return (null, output ?? ShipmentIceberg.DefaultTable);
            return (output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? ShipmentFileFormat.Csv : ShipmentFileFormat.Parquet, output);
        }
        if (string.Equals(format, "iceberg", StringComparison.OrdinalIgnoreCase)) return (null, output ?? ShipmentIceberg.DefaultTable);
        if (!Formats.TryGetValue(format.ToLowerInvariant(), out var f))
            throw new Core.Errors.DativoException($"--format: '{format}' is not one of iceberg, {string.Join(", ", Formats.Keys)}");
        return (f, output ?? "shipments");
    }

    private static async Task<int> ToTableAsync(ParseResult pr, TimeProvider time, DateOnly start, int days, long rowsPerDay, ulong seed, string table,
        string warehouse, bool quiet, CancellationToken ct)
    {
        if (days < 1) throw new Core.Errors.DativoException($"--days must be at least 1 (got {days})");
        if (rowsPerDay < 0) throw new Core.Errors.DativoException($"--rows-per-day must not be negative (got {rowsPerDay})");
        var id = LakeWarehouse.ParseTable(table, "--out");
        var lake = LakeWarehouse.Open(warehouse, time);
        var dayList = Enumerable.Range(0, days).Select(start.AddDays).ToArray();
        var result = await ShipmentIceberg.WriteDaysAsync(lake, id, new ShipmentGenerator(seed), dayList, rowsPerDay, ct: ct).ConfigureAwait(false);
        if (!quiet)
        {
            var rate = result.Rows / Math.Max(result.Elapsed.TotalSeconds, 1e-9);
            await pr.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"generated {result.Rows:N0} shipments into {id} ({days} day partition(s) replaced{(result.Created ? ", table created" : "")}) in {lake.Root} ({result.Elapsed.TotalSeconds:F2} s, {rate / 1e6:F2} M rows/s)")).ConfigureAwait(false);
        }
        return 0;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")]
    private static partial Regex TableName();
}
