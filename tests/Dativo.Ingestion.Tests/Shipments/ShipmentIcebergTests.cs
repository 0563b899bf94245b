using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.Shipments;

/// <summary>Generator → Iceberg table partitioned by day(shipment_date); re-running a day replaces exactly that day.</summary>
public class ShipmentIcebergTests
{
    private static readonly DateOnly Start = new(2025, 5, 1);
    private static readonly TableIdentifier Id = new("logistics", "shipments");

    [Fact]
    public async Task Days_are_partitions_and_rerunning_a_day_is_idempotent()
    {
        using var tmp = new TempDir();
        var lake = LakeWarehouse.Open(Path.Combine(tmp.Path, "lake"));
        var gen = new ShipmentGenerator(7);
        var first = await ShipmentIceberg.WriteDaysAsync(lake, Id, gen, [Start, Start.AddDays(1), Start.AddDays(2)], 1500);
        Assert.True(first.Created);
        Assert.Equal(4500, first.Rows);

        var table = await lake.OpenTableAsync(Id, CancellationToken.None);
        Assert.Equal("shipment_date_day", Assert.Single(table.Spec.Fields).Name);
        Assert.Equal(1500, await table.NewScan().Filter(Expr.Eq("shipment_date", Start.AddDays(1))).CountAsync());
        var before = table.Metadata.CurrentSnapshot!.SnapshotId;
        var rows = await table.NewScan().Filter(Expr.Eq("shipment_date", Start.AddDays(1))).Select("shipment_id").ReadAsync();

        var again = await ShipmentIceberg.WriteDaysAsync(lake, Id, gen, [Start.AddDays(1)], 1500);
        Assert.False(again.Created);
        table = await lake.OpenTableAsync(Id, CancellationToken.None);
        Assert.NotEqual(before, table.Metadata.CurrentSnapshot!.SnapshotId);
        Assert.Equal(4500, await table.NewScan().CountAsync());
        var rowsAgain = await table.NewScan().Filter(Expr.Eq("shipment_date", Start.AddDays(1))).Select("shipment_id").ReadAsync();
        Assert.Equal(rows.Rows.Select(r => (string)r[0]!).Order(), rowsAgain.Rows.Select(r => (string)r[0]!).Order());
        Assert.Equal("true", table.Metadata.CurrentSnapshot.Summary["replace-partitions"]);
    }

    [Fact]
    public async Task The_table_carries_the_governance_tags_of_the_shipments_contract()
    {
        Assert.Equal(ShipmentIceberg.Schema.Columns.Select(c => c.Name), ShipmentIceberg.Contract.Value.Fields.Select(f => f.Name));
        using var tmp = new TempDir();
        var lake = LakeWarehouse.Open(Path.Combine(tmp.Path, "lake"));
        await ShipmentIceberg.WriteDaysAsync(lake, Id, new ShipmentGenerator(1), [Start], 10);

        var props = (await lake.OpenTableAsync(Id, CancellationToken.None)).Metadata.Properties;
        Assert.Equal("logistics-data@example.com", props["governance.owner"]);
        Assert.Equal("365", props["governance.retention_days"]);
        Assert.Equal("financial", props["classification.fields.shipping_cost"]);
        Assert.Equal("LOG-001", props["finops.cost_center"]);
        Assert.Equal("shipments", props["asset.name"]);
    }

    [Fact]
    public async Task Cli_writes_the_default_table_and_keeps_file_formats()
    {
        using var tmp = new TempDir();
        var r = await CliRunner.RunAsync(tmp.Path, "generate", "shipments", "--start-date", "2025-05-01", "--days", "2", "--rows-per-day", "500");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("into logistics.shipments", r.Stdout);
        var lake = LakeWarehouse.Open(Path.Combine(tmp.Path, ".local", "lake"));
        Assert.Equal(1000, await (await lake.OpenTableAsync(Id, CancellationToken.None)).NewScan().CountAsync());

        // The same seed and days as Parquet files: analyze over the table (day pushed into the scan) equals analyze over the files.
        var pq = await CliRunner.RunAsync(tmp.Path, "generate", "shipments", "--start-date", "2025-05-01", "--days", "2", "--rows-per-day", "500", "--out", "files");
        Assert.True(pq.ExitCode == 0, pq.Stderr);
        var fromTable = await CliRunner.RunAsync(tmp.Path, "shipments", "analyze", "--input", "logistics.shipments", "--date", "2025-05-02", "--out", "t", "--quiet");
        Assert.True(fromTable.ExitCode == 0, fromTable.All);
        var fromFiles = await CliRunner.RunAsync(tmp.Path, "shipments", "analyze", "--input", "files", "--date", "2025-05-02", "--out", "f", "--quiet");
        Assert.True(fromFiles.ExitCode == 0, fromFiles.All);
        foreach (var output in ShipmentAnalytics.Outputs)
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(tmp.Path, "f", output + ".csv")), await File.ReadAllTextAsync(Path.Combine(tmp.Path, "t", output + ".csv")));

        var csv = await CliRunner.RunAsync(tmp.Path, "generate", "shipments", "--start-date", "2025-05-01", "--rows-per-day", "10", "--format", "csv", "--out", "c");
        Assert.True(csv.ExitCode == 0, csv.Stderr);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "c", "shipment_date=2025-05-01", "part-0.csv")));

        var bad = await CliRunner.RunAsync(tmp.Path, "generate", "shipments", "--start-date", "2025-05-01", "--format", "iceberg", "--out", "noschema");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("namespace.name", bad.Stderr);
    }
}
