using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Testing;

namespace Dativo.Cli.Tests;

/// <summary><c>./dativo demo</c> from an empty folder, as the README's first command; then again (idempotent per day).</summary>
public class DemoTests
{
    private static async Task<Dictionary<string, Dictionary<DateOnly, int>>> PartitionsAsync(string lakePath)
    {
        var lake = LakeWarehouse.Open(lakePath);
        var result = new Dictionary<string, Dictionary<DateOnly, int>>();
        foreach (var output in ShipmentAnalytics.Outputs)
        {
            var table = await lake.OpenTableAsync(new TableIdentifier("analytics", output), CancellationToken.None);
            var rows = await table.NewScan().Select(LakeSql.RunDateColumn).ReadAsync();
            result[output] = rows.Rows.GroupBy(r => r[0] is DateOnly d ? d : DateOnly.FromDateTime((DateTime)r[0]!)).ToDictionary(g => g.Key, g => g.Count());
        }
        return result;
    }

    [SkippableFact]
    public async Task Demo_runs_from_an_empty_folder_renders_its_report_and_can_run_again()
    {
        using var dir = new TempDir();
        var first = await CliRunner.RunAsync(dir.Path, "demo", "--rows", "20000");
        Assert.True(first.ExitCode == 0, first.All);
        Assert.Contains("analytics.carrier_performance (run_date", first.Stdout);
        Assert.Contains("analytics.warehouse_demand (run_date", first.Stdout);
        Assert.Contains("Tables in the lake", first.Stdout);
        Assert.Contains("logistics.shipments", first.Stdout);
        Assert.Contains("SUCCEEDED", first.Stdout);
        Assert.Contains("day 7/7", first.Stderr); // quiet progress lines when not on a terminal
        var report = Path.Combine(dir.Path, "demo", "report.html");
        Assert.True(File.Exists(report));
        Assert.True(File.Exists(Path.Combine(dir.Path, "demo", "state.db")));

        var lakePath = Path.Combine(dir.Path, "demo", "lake");
        var before = await PartitionsAsync(lakePath);
        Assert.All(before.Values, p => Assert.Equal(7, p.Count));

        var second = await CliRunner.RunAsync(dir.Path, "demo", "--rows", "20000");
        Assert.True(second.ExitCode == 0, second.All);
        var after = await PartitionsAsync(lakePath);
        foreach (var (output, days) in after)
            foreach (var (day, rows) in days)
                if (before[output].TryGetValue(day, out var earlier)) Assert.Equal(earlier, rows); // one partition per day, not appended twice
        var shipments = await LakeWarehouse.Open(lakePath).OpenTableAsync(new TableIdentifier("logistics", "shipments"), CancellationToken.None);
        Assert.InRange(await shipments.NewScan().CountAsync(), 20_000, 2 * 20_006);

        Skip.If(Chromium.Path is null, Chromium.MissingReason);
        var dom = await Chromium.DumpDomAsync("file://" + report);
        foreach (var title in new[] { "Daily volume", "Carrier performance", "Delay trends by city", "Delay by city", "Warehouse demand", "Lake tables" })
            Assert.Contains(title, dom);
        Assert.Contains("<polyline", dom);
        var png = Path.Combine(dir.Path, "report.png");
        await Chromium.SaveScreenshotAsync("file://" + report, png);
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
        Assert.True(bytes.Length > 50_000, $"screenshot is only {bytes.Length} bytes");
    }
}
