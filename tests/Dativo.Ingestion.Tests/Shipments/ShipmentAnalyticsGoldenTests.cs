using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Engine;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.Shipments;

/// <summary>The 1000-row sample of seed 004 through the five SQL files equals expected/*.csv.</summary>
public class ShipmentAnalyticsGoldenTests
{
    internal static string Case => GoldenCsv.ShippingCase;

    public static TheoryData<string> Outputs => new(ShipmentAnalytics.Outputs);

    [Theory]
    [MemberData(nameof(Outputs))]
    public async Task Sample_matches_expected_csv(string output)
    {
        using var tmp = new TempDir();
        await using var engine = await DuckDbEngine.OpenAsync(threads: 1);
        await ShipmentAnalytics.RegisterInputAsync(engine, Path.Combine(Case, "shipping_data_sample_1000.csv"), null, CancellationToken.None);
        var sqlDir = Repo.Path_("examples", "shipments", "sql");
        var file = await ShipmentAnalytics.ExportAsync(engine, output, tmp.Path, ExportFormat.Csv, sqlDir, CancellationToken.None);
        GoldenCsv.AssertEqual(
            await File.ReadAllTextAsync(Path.Combine(Case, "expected", output + ".csv")),
            await File.ReadAllTextAsync(file), output);
    }

    [Fact]
    public async Task Embedded_sql_equals_the_example_files()
    {
        foreach (var o in ShipmentAnalytics.Outputs)
            Assert.Equal(
                await File.ReadAllTextAsync(Repo.Path_("examples", "shipments", "sql", o + ".sql")),
                ShipmentAnalytics.LoadSql(o));
    }

    [Fact]
    public void Daily_trends_is_an_alias_of_delay_trends()
    {
        Assert.Equal("delay_trends", ShipmentAnalytics.CanonicalName("daily_trends"));
        Assert.Throws<Dativo.Core.Errors.DativoException>(() => ShipmentAnalytics.CanonicalName("nope"));
    }

    [Fact]
    public async Task Parquet_export_and_day_filter_work_on_generated_data()
    {
        using var tmp = new TempDir();
        var data = Path.Combine(tmp.Path, "data");
        await ShipmentDataset.GenerateAsync(
            new ShipmentGenerateOptions(new DateOnly(2025, 5, 1), 3, 500, 7, data, ShipmentFileFormat.Parquet), TimeProvider.System, CancellationToken.None);
        await using var engine = await DuckDbEngine.OpenAsync(threads: 1);
        var files = await ShipmentAnalytics.RegisterInputAsync(engine, data, new DateOnly(2025, 5, 2), CancellationToken.None);
        Assert.Single(files);
        var demand = await ShipmentAnalytics.QueryAsync(engine, "warehouse_demand", null, CancellationToken.None);
        Assert.Equal(500L, demand.Rows.Sum(r => (long)r[2]!));
        var out_ = await ShipmentAnalytics.ExportAsync(engine, "carrier_performance", Path.Combine(tmp.Path, "out"), ExportFormat.Parquet, null, CancellationToken.None);
        var back = await engine.QueryAsync($"SELECT CAST(sum(total_shipments) AS BIGINT) FROM read_parquet('{out_}')");
        Assert.Equal(500L, back.Rows[0][0]);
    }
}
