using Dativo.Core.Errors;
using Dativo.Lake.Engine;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Engine;

public class DuckDbEngineTests
{
    [Fact]
    public async Task Extension_autoloading_is_off()
    {
        await using var e = await DuckDbEngine.OpenAsync(threads: 1);
        var r = await e.QueryAsync("SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')");
        Assert.Equal([false, false], r.Rows[0]);
    }

    [Fact]
    public async Task A_reader_streams_rows_instead_of_materialising_the_result_first()
    {
        await using var e = await DuckDbEngine.OpenAsync(threads: 2);
        var before = WorkingSet();
        // 400 M rows materialised before the first one is handed out would take more than 3 GB; streamed, a few chunks
        await using var r = await e.OpenReaderAsync("SELECT i FROM range(400000000) t(i)");
        for (var i = 0; i < 3; i++) Assert.True(await r.Reader.ReadAsync());
        var grown = WorkingSet() - before;
        Assert.True(grown < 1L << 30, $"the process grew by {grown >> 20} MiB reading three rows");

        static long WorkingSet()
        {
            using var p = System.Diagnostics.Process.GetCurrentProcess();
            return p.WorkingSet64;
        }
    }

    [Fact]
    public async Task Query_with_named_parameters()
    {
        await using var e = await DuckDbEngine.OpenAsync(threads: 1);
        var r = await e.QueryAsync("SELECT $a + 1 AS x, $b AS y", new Dictionary<string, object?> { ["a"] = 41, ["b"] = "hi" });
        Assert.Equal("x", r.Columns[0].Name);
        Assert.Equal(42, Convert.ToInt32(r.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("hi", r.Rows[0][r.ColumnIndex("y")]);
    }

    [Fact]
    public async Task Parquet_view_with_column_mapping_and_csv_export_round_trip_doubles()
    {
        using var tmp = new TempDir();
        await using var e = await DuckDbEngine.OpenAsync(threads: 1);
        var pq = Path.Combine(tmp.Path, "in", "a.parquet");
        await e.ExportAsync("SELECT 1 AS id, 0.46320346320346323::DOUBLE AS v UNION ALL SELECT 2, 3940.0", pq, ExportFormat.Parquet);
        await e.RegisterParquetViewAsync("t", [pq], new Dictionary<string, string> { ["key"] = "id", ["value"] = "v" });
        var r = await e.QueryAsync("SELECT key, value FROM t ORDER BY key");
        Assert.Equal(2, r.Rows.Count);
        Assert.Equal(["key", "value"], r.Columns.Select(c => c.Name));

        var csv = Path.Combine(tmp.Path, "out.csv");
        await e.ExportAsync("SELECT value FROM t ORDER BY key;", csv, ExportFormat.Csv);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal("value", lines[0]);
        Assert.Equal((double)r.Rows[0][1]!, double.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("3940.0", lines[2]);

        await e.RegisterCsvViewAsync("c", [csv]);
        Assert.Equal((double)r.Rows[0][1]!, (await e.QueryAsync("SELECT value FROM c LIMIT 1")).Rows[0][0]);
    }

    [Fact]
    public async Task Sql_errors_are_user_errors_naming_the_query()
    {
        await using var e = await DuckDbEngine.OpenAsync(threads: 1);
        var ex = await Assert.ThrowsAsync<DativoException>(() => e.QueryAsync("SELECT * FROM no_such_table"));
        Assert.Contains("no_such_table", ex.Message);
    }

    [Fact]
    public async Task Cancelled_token_stops_before_running()
    {
        await using var e = await DuckDbEngine.OpenAsync(threads: 1);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => e.QueryAsync("SELECT 1", ct: cts.Token));
    }
}
