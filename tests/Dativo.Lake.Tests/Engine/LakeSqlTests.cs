using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Types;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Engine;

/// <summary>LakeSql: Iceberg tables as DuckDB views (day pushed into the scan), results into run_date partitions.</summary>
public class LakeSqlTests
{
    private const string Query = """
        SELECT k, CAST(SUM(v) AS HUGEINT) AS total, CAST(AVG(v) AS DECIMAL(10, 2)) AS avg_v, MIN(d) AS first_day, NULL::VARCHAR AS note
        FROM src GROUP BY k ORDER BY k
        """;

    [Fact]
    public async Task Results_replace_their_run_date_partition_and_keep_the_others()
    {
        using var tmp = new TempDir();
        var lake = LakeWarehouse.Open(Path.Combine(tmp.Path, "wh"));
        var output = new TableIdentifier("analytics", "sums");
        await using var engine = await DuckDbEngine.OpenAsync(threads: 1);
        await engine.RegisterViewAsync("src", "SELECT (i % 3)::VARCHAR AS k, i AS v, DATE '2025-05-01' + (i % 2)::INT AS d FROM range(10) t(i)");

        var d1 = new DateOnly(2025, 5, 1);
        var d2 = new DateOnly(2025, 5, 2);
        var first = await LakeSql.WriteAsync(engine, Query, lake, output, d1, new Dictionary<string, string> { ["dativo.query"] = "test" });
        Assert.True(first.Created);
        Assert.Equal(3, first.Rows);
        await LakeSql.WriteAsync(engine, Query, lake, output, d2);
        var again = await LakeSql.WriteAsync(engine, Query, lake, output, d1);
        Assert.False(again.Created);
        Assert.Equal(1, again.RemovedDataFiles);

        var table = await lake.OpenTableAsync(output, CancellationToken.None);
        Assert.Equal("test", table.Metadata.Properties["dativo.query"]);
        Assert.Equal(["k", "total", "avg_v", "first_day", "note", "run_date"], table.Schema.Columns.Select(c => c.Name));
        Assert.Equal([IcebergType.String, IcebergType.Long, IcebergType.Decimal(10, 2), IcebergType.Date, IcebergType.String, IcebergType.Date],
            table.Schema.Columns.Select(c => c.Type));
        Assert.Equal(3, table.Metadata.Snapshots.Count);
        Assert.Equal(6, await table.NewScan().CountAsync());

        await LakeSql.RegisterTableAsync(engine, "sums_d1", table, Expr.Eq("run_date", d1), CancellationToken.None);
        var rows = await engine.QueryAsync("SELECT k, total, avg_v, first_day, note FROM sums_d1");
        Assert.Equal(3, rows.Rows.Count);
        Assert.Equal(["0", 18L, 4.5m, new DateOnly(2025, 5, 1), null], rows.Rows[0].Select(v => v is DateTime dt ? DateOnly.FromDateTime(dt) : v));

        await engine.RegisterViewAsync("src", "SELECT 'x' AS other");
        var bad = await Assert.ThrowsAsync<Dativo.Core.Errors.DativoException>(() => LakeSql.WriteAsync(engine, "SELECT other FROM src", lake, output, d1));
        Assert.Contains("has the columns (k, total, avg_v, first_day, note)", bad.Message);
    }

    [Fact]
    public async Task Query_results_convert_to_typed_record_batches()
    {
        await using var engine = await DuckDbEngine.OpenAsync(threads: 1);
        var result = await engine.QueryAsync("SELECT 1::HUGEINT AS h, 2.5::DECIMAL(5,1) AS m, DATE '2025-01-02' AS d, NULL::DOUBLE AS x, 'a' AS s, true AS b");
        var schema = ResultBatches.SchemaOf(result, [("run_date", IcebergType.Date)]);
        var batch = ResultBatches.ToBatch(schema, result, new Dictionary<string, object?> { ["run_date"] = new DateOnly(2025, 1, 3) }, "t");
        Assert.Equal(new long?[] { 1 }, batch.Columns[0]);
        Assert.Equal(new decimal?[] { 2.5m }, batch.Columns[1]);
        Assert.Equal(new DateOnly?[] { new(2025, 1, 2) }, batch.Columns[2]);
        Assert.Equal(new double?[] { null }, batch.Columns[3]);
        Assert.Equal(new string?[] { "a" }, batch.Columns[4]);
        Assert.Equal(new bool?[] { true }, batch.Columns[5]);
        Assert.Equal(new DateOnly?[] { new(2025, 1, 3) }, batch.Columns[6]);
    }
}
