using Dativo.Testing;

namespace Dativo.Ingestion.Tests.Shipments;

/// <summary><c>./dativo generate shipments</c> and <c>./dativo shipments analyze</c> as a user runs them.</summary>
public class ShipmentsCliTests
{
    [Fact]
    public async Task Generate_then_analyze_writes_the_five_outputs()
    {
        using var tmp = new TempDir();
        var gen = await CliRunner.RunAsync(tmp.Path, "generate", "shipments", "--start-date", "2025-05-01", "--days", "2", "--rows-per-day", "1000", "--seed", "11", "--out", "data");
        Assert.True(gen.ExitCode == 0, gen.All);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "data", "shipment_date=2025-05-02", "part-0.parquet")), gen.All);

        var an = await CliRunner.RunAsync(tmp.Path, "shipments", "analyze", "--input", "data", "--out", "out", "--date", "2025-05-02");
        Assert.True(an.ExitCode == 0, an.All);
        Assert.Contains("carrier_performance", an.Stdout);
        Assert.Contains("warehouse_demand", an.Stdout);
        foreach (var o in new[] { "carrier_performance", "route_efficiency", "cost_analysis", "delay_trends", "warehouse_demand" })
            Assert.True(File.Exists(Path.Combine(tmp.Path, "out", o + ".csv")), o);
        var costRows = File.ReadAllLines(Path.Combine(tmp.Path, "out", "cost_analysis.csv")).Length - 1;
        Assert.Equal(1000, costRows); // one day only

        var pq = await CliRunner.RunAsync(tmp.Path, "shipments", "analyze", "--input", "data", "--out", "outpq", "--format", "parquet", "--quiet", "--output", "daily_trends");
        Assert.True(pq.ExitCode == 0, pq.All);
        Assert.Equal("", pq.Stdout);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "outpq", "delay_trends.parquet")));
    }

    [Fact]
    public async Task Analyze_of_the_seed_sample_csv_matches_the_golden_files()
    {
        using var tmp = new TempDir();
        var r = await CliRunner.RunAsync(tmp.Path, "shipments", "analyze", "--input",
            Path.Combine(ShipmentAnalyticsGoldenTests.Case, "shipping_data_sample_1000.csv"), "--out", "out", "--quiet");
        Assert.True(r.ExitCode == 0, r.All);
        foreach (var o in new[] { "carrier_performance", "route_efficiency", "cost_analysis", "delay_trends", "warehouse_demand" })
            GoldenCsv.AssertEqual(
                await File.ReadAllTextAsync(Path.Combine(ShipmentAnalyticsGoldenTests.Case, "expected", o + ".csv")),
                await File.ReadAllTextAsync(Path.Combine(tmp.Path, "out", o + ".csv")), o);
    }

    [Theory]
    [InlineData("--start-date", "2025-02-30", "--start-date")]
    [InlineData("--days", "0", "--days")]
    public async Task Bad_generate_arguments_exit_2_with_a_message(string option, string value, string expected)
    {
        using var tmp = new TempDir();
        var args = new List<string> { "generate", "shipments", "--start-date", "2025-05-01", "--out", "data" };
        var i = args.IndexOf(option);
        if (i >= 0) args[i + 1] = value;
        else args.AddRange([option, value]);
        var r = await CliRunner.RunAsync(tmp.Path, [.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: ", r.Stderr);
        Assert.Contains(expected, r.Stderr);
        Assert.DoesNotContain("   at ", r.All);
    }

    [Fact]
    public async Task Missing_input_exits_2_with_a_message()
    {
        using var tmp = new TempDir();
        var r = await CliRunner.RunAsync(tmp.Path, "shipments", "analyze", "--input", "missing.parquet", "--out", "out");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("missing.parquet", r.Stderr);
        Assert.DoesNotContain("   at ", r.All);
    }
}
