using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests.Shipments;

/// <summary>
/// examples/pipelines/shipments_daily.yaml through the real <c>./dativo</c>: a two-day backfill, a re-run of a day,
/// and the seed-004 golden sample through the sql task.
/// </summary>
public sealed class ShipmentsPipelineTests
{
    private static readonly string Pipeline = Repo.Path_("examples", "pipelines", "shipments_daily.yaml");

    private static async Task<Dictionary<DateOnly, long>> RowsByRunDateAsync(LakeWarehouse lake, string output)
    {
        var table = await lake.OpenTableAsync(new TableIdentifier("analytics", output), CancellationToken.None);
        var rows = await table.NewScan().Select(LakeSql.RunDateColumn).ReadAsync();
        return rows.Rows.GroupBy(r => r[0] is DateOnly d ? d : DateOnly.FromDateTime((DateTime)r[0]!)).ToDictionary(g => g.Key, g => (long)g.Count());
    }

    [Fact]
    public async Task Backfill_of_two_days_keeps_both_run_dates_and_a_rerun_is_idempotent()
    {
        using var dir = new TempDir();
        var run = await CliRunner.RunAsync(dir.Path, "pipeline", "run", Pipeline, "--start-date", "2025-05-01", "--export-date", "2025-05-02",
            "--set", "rows_per_day=3000", "--set", "warehouse=lake");
        Assert.True(run.ExitCode == 0, run.All);
        var lake = LakeWarehouse.Open(Path.Combine(dir.Path, "lake"));
        var shipments = await lake.OpenTableAsync(new TableIdentifier("logistics", "shipments"), CancellationToken.None);
        Assert.Equal(6000, await shipments.NewScan().CountAsync());

        var before = new Dictionary<string, (Dictionary<DateOnly, long> Rows, long Snapshot)>();
        foreach (var output in ShipmentAnalytics.Outputs)
        {
            var rows = await RowsByRunDateAsync(lake, output);
            Assert.Equal([new DateOnly(2025, 5, 1), new DateOnly(2025, 5, 2)], rows.Keys.Order());
            Assert.All(rows.Values, n => Assert.True(n > 0, output));
            var t = await lake.OpenTableAsync(new TableIdentifier("analytics", output), CancellationToken.None);
            Assert.Equal("run_date", Assert.Single(t.Spec.Fields).Name);
            Assert.Equal("logistics-data@example.com", t.Metadata.Properties["governance.owner"]); // inherited from logistics.shipments
            Assert.Equal("internal", t.Metadata.Properties["classification.default"]);
            before[output] = (rows, t.Metadata.CurrentSnapshot!.SnapshotId);
        }

        var rerun = await CliRunner.RunAsync(dir.Path, "pipeline", "run", Pipeline, "--export-date", "2025-05-02", "--correlation-id", "rerun",
            "--set", "rows_per_day=3000", "--set", "warehouse=lake");
        Assert.True(rerun.ExitCode == 0, rerun.All);
        Assert.Equal(6000, await (await lake.OpenTableAsync(new TableIdentifier("logistics", "shipments"), CancellationToken.None)).NewScan().CountAsync());
        foreach (var output in ShipmentAnalytics.Outputs)
        {
            Assert.Equal(before[output].Rows, await RowsByRunDateAsync(lake, output));
            var t = await lake.OpenTableAsync(new TableIdentifier("analytics", output), CancellationToken.None);
            Assert.NotEqual(before[output].Snapshot, t.Metadata.CurrentSnapshot!.SnapshotId);
            Assert.Equal("overwrite", t.Metadata.CurrentSnapshot.Operation);
        }
    }

    [Fact]
    public async Task Golden_sample_through_the_sql_task_equals_expected_csv()
    {
        using var dir = new TempDir();
        var lake = LakeWarehouse.Open(Path.Combine(dir.Path, "lake"));
        await using (var engine = await DuckDbEngine.OpenAsync(threads: 1))
        {
            await engine.RegisterCsvViewAsync("sample", [Path.Combine(GoldenCsv.ShippingCase, "shipping_data_sample_1000.csv")]);
            await LakeSql.WriteAsync(engine, "SELECT * FROM sample", lake, new TableIdentifier("logistics", "sample"), runDate: null);
        }
        var sqlDir = Repo.Path_("examples", "shipments", "sql");
        var tasks = string.Join("", ShipmentAnalytics.Outputs.Select(o => $$"""

              - name: {{o}}
                type: sql
                with:
                  sql_file: {{Path.Combine(sqlDir, o + ".sql")}}
                  inputs: {shipments: logistics.sample}
                  output: analytics.{{o}}
                  run_date: "2025-01-31"
                  warehouse: lake
            """));
        dir.File("golden.yaml", "name: golden\ntasks:" + tasks + "\n");
        var run = await CliRunner.RunAsync(dir.Path, "pipeline", "run", "golden.yaml");
        Assert.True(run.ExitCode == 0, run.All);

        await using var reader = await DuckDbEngine.OpenAsync(threads: 1);
        foreach (var output in ShipmentAnalytics.Outputs)
        {
            var table = await lake.OpenTableAsync(new TableIdentifier("analytics", output), CancellationToken.None);
            var columns = table.Schema.Columns.Select(c => c.Name).Where(n => n != LakeSql.RunDateColumn).ToArray();
            var sql = await table.NewScan().Filter(Expr.Eq(LakeSql.RunDateColumn, new DateOnly(2025, 1, 31))).Select(columns).ToSqlAsync();
            var file = Path.Combine(dir.Path, "out", output + ".csv");
            await reader.ExportAsync(sql, file, ExportFormat.Csv);
            GoldenCsv.AssertEqual(
                await File.ReadAllTextAsync(Path.Combine(GoldenCsv.ShippingCase, "expected", output + ".csv")),
                await File.ReadAllTextAsync(file), output);
        }
    }

    [Fact]
    public async Task Missing_sql_file_or_table_fails_before_running_with_the_reason()
    {
        using var dir = new TempDir();
        dir.File("bad.yaml", """
            name: bad
            tasks:
              - name: typo
                type: sql
                with: {sql_file: nope.sql, inputs: {shipments: logistics.shipments}, output: analytics.x, warehouse: lake, wherehouse: x}
              - name: gen
                type: generate
                with: {dataset: shipmints, rows: "-5", table: noschema}
            """);
        var invalid = await CliRunner.RunAsync(dir.Path, "pipeline", "validate", "bad.yaml");
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("unknown setting 'wherehouse' for a sql task (did you mean 'warehouse'?)", invalid.All);
        Assert.Contains("unknown data set 'shipmints' (did you mean 'shipments'?)", invalid.All);
        Assert.Contains("with.rows: '-5' is not a whole number", invalid.All);
        Assert.Contains("write namespace.name", invalid.All);

        dir.File("missing.yaml", """
            name: missing
            tasks:
              - name: q
                type: sql
                with: {sql_file: nope.sql, inputs: {shipments: logistics.shipments}, output: analytics.x, warehouse: lake}
              - name: t
                type: sql
                with: {sql: "SELECT 1 AS one", inputs: {shipments: logistics.shipments}, output: analytics.y, warehouse: lake}
            """);
        var run = await CliRunner.RunAsync(dir.Path, "pipeline", "run", "missing.yaml");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("nope.sql not found", run.All);
        Assert.Contains("table logistics.shipments does not exist in warehouse", run.All);
        Assert.False(await LakeWarehouse.Open(Path.Combine(dir.Path, "lake")).ExistsAsync(new TableIdentifier("analytics", "y"), CancellationToken.None));
    }

    [Fact]
    public async Task A_timeout_cancels_the_generate_and_sql_tasks_and_commits_nothing()
    {
        using var dir = new TempDir();
        dir.File("slow.yaml", """
            name: slow
            tasks:
              - name: generate
                type: generate
                timeout: 300ms
                with: {dataset: shipments, day: "2025-05-01", rows: 4000000, warehouse: lake}
              - name: query
                type: sql
                timeout: 300ms
                with:
                  sql: "SELECT a.range AS x FROM range(100000000) a ORDER BY hash(a.range)"
                  output: analytics.slow
                  run_date: "2025-05-01"
                  warehouse: lake
            """);
        var run = await CliRunner.RunAsync(dir.Path, "pipeline", "run", "slow.yaml");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("TIMED_OUT", run.All);
        var lake = LakeWarehouse.Open(Path.Combine(dir.Path, "lake"));
        if (await lake.ExistsAsync(new TableIdentifier("logistics", "shipments"), CancellationToken.None))
            Assert.Null((await lake.OpenTableAsync(new TableIdentifier("logistics", "shipments"), CancellationToken.None)).Metadata.CurrentSnapshot);
        if (await lake.ExistsAsync(new TableIdentifier("analytics", "slow"), CancellationToken.None))
            Assert.Null((await lake.OpenTableAsync(new TableIdentifier("analytics", "slow"), CancellationToken.None)).Metadata.CurrentSnapshot);
    }
}
