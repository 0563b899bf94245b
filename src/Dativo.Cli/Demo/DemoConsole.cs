using System.Globalization;
using Dativo.Cli.Commands;
using Dativo.Ingestion.Generators.Shipments;
using Spectre.Console;

namespace Dativo.Cli.Demo;

/// <summary>What the demo prints: the five outputs of the last day, and the lake's tables with snapshots and tags.</summary>
internal static class DemoConsole
{
    public static async Task PrintOutputsAsync(IAnsiConsole console, DemoLake lake, int rows, CancellationToken ct)
    {
        console.Write(new Rule($"[bold]The five outputs for {lake.LastDay:yyyy-MM-dd}[/]").LeftJustified());
        foreach (var output in ShipmentAnalytics.Outputs)
        {
            var result = await lake.LastDayAsync(output, rows + 1, ct).ConfigureAwait(false);
            ResultTables.Print(console, $"analytics.{output} (run_date {lake.LastDay:yyyy-MM-dd})", result, rows);
        }
    }

    public static void PrintTables(IAnsiConsole console, IReadOnlyList<DemoTable> tables)
    {
        console.Write(new Rule("[bold]Tables in the lake[/]").LeftJustified());
        var t = new Table();
        foreach (var c in new[] { "table", "rows", "files", "snapshots", "current snapshot", "partitioned by", "tags (properties)" })
            t.AddColumn(new TableColumn(c));
        foreach (var c in new[] { 1, 2, 3 }) t.Columns[c].RightAligned();
        foreach (var x in tables)
        {
            t.AddRow(
                new Text(x.Name),
                new Text(x.Rows.ToString("N0", CultureInfo.InvariantCulture)),
                new Text(x.Files.ToString(CultureInfo.InvariantCulture)),
                new Text(x.Snapshots.ToString(CultureInfo.InvariantCulture)),
                new Text(x.CurrentSnapshot?.ToString(CultureInfo.InvariantCulture) ?? "-"),
                new Text(x.PartitionedBy),
                new Text(string.Join("\n", x.Tags.Select(kv => $"{kv.Key}={kv.Value}"))));
        }
        console.Write(t);
    }
}
