using System.CommandLine;
using System.Globalization;
using Dativo.Ingestion.Generators.Shipments;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo generate …</c>: synthetic data sets.</summary>
internal static class GenerateCommands
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
        var output = new Option<string>("--out") { Description = "Folder (Hive layout shipment_date=YYYY-MM-DD/part-0.*) or a single .parquet/.csv file", DefaultValueFactory = _ => "shipments" };
        var format = new Option<string>("--format") { Description = "parquet or csv", DefaultValueFactory = _ => "parquet" };
        var quiet = new Option<bool>("--quiet") { Description = "Print nothing on success" };
        var cmd = new Command("shipments", "Synthetic shipments (12 columns of the seed-004 generator, defects fixed)")
        {
            start, days, rows, seed, output, format, quiet,
        };
        cmd.SetAction(async (pr, ct) =>
        {
            var options = new ShipmentGenerateOptions(
                CliArgs.Date("--start-date", pr.GetValue(start)),
                pr.GetValue(days),
                pr.GetValue(rows),
                pr.GetValue(seed),
                pr.GetValue(output)!,
                CliArgs.Choice("--format", pr.GetValue(format), Formats));
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
}
