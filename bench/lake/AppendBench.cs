using System.Diagnostics;
using System.Globalization;
using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Bench;

/// <summary>Append of narrow rows (long, int, double) into a new local table vs DuckDB COPY … TO parquet (zstd).</summary>
internal static class AppendBench
{
    private const int Runs = 3;   // best of 3 per side: the cores are shared, single runs are noisy

    public static async Task RunAsync(string dir, int rows)
    {
        var schema = new IcebergSchema(0,
        [
            NestedField.Require(1, "id", IcebergType.Long),
            NestedField.Require(2, "n", IcebergType.Int),
            NestedField.Require(3, "v", IcebergType.Double),
        ]);
        var batches = Batches(schema, rows);
        var duckFile = Path.Combine(dir, "duck.parquet");
        await using var duck = await DuckDbEngine.OpenAsync();
        // materialized first so both sides start from in-memory data
        await duck.ExecuteAsync($"CREATE TABLE t AS SELECT range AS id, (range % 100)::INTEGER AS n, range / 3.0 AS v FROM range({rows})");
        var duckSec = double.MaxValue;
        var sw = new Stopwatch();
        for (var run = 0; run < Runs; run++)
        {
            sw.Restart();
            await duck.ExecuteAsync($"COPY t TO {SqlText.Literal(duckFile)} (FORMAT parquet, COMPRESSION zstd)");
            duckSec = Math.Min(duckSec, sw.Elapsed.TotalSeconds);
        }

        var wh = Path.Combine(dir, "wh");
        var store = Storage.ObjectStores.Open(wh);
        var catalog = Catalogs.Open(new CatalogOptions { Warehouse = wh });
        await catalog.CreateNamespaceAsync("bench");
        var oursSec = double.MaxValue;
        CommitResult? result = null;
        for (var run = 0; run < Runs; run++)
        {
            var table = await IcebergTables.CreateAsync(catalog, store, new TableIdentifier("bench", $"narrow{run}"), schema);
            sw.Restart();
            result = await table.AppendAsync(batches);
            oursSec = Math.Min(oursSec, sw.Elapsed.TotalSeconds);
        }
        var mb = long.Parse(result!.Summary["added-files-size"], CultureInfo.InvariantCulture) / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(a) append, rows        {rows:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    duckdb COPY parquet  {duckSec:F2} s  {rows / duckSec:N0} rows/s  {new FileInfo(duckFile).Length / 1e6:F1} MB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    iceberg append       {oursSec:F2} s  {rows / oursSec:N0} rows/s  {mb:F1} MB in {result.AddedDataFiles} file(s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    ratio best-of-{Runs} (ours/duckdb rows/s)  {duckSec / oursSec:F2}   (goal >= 0.8)"));
    }

    private static List<RecordBatch> Batches(IcebergSchema schema, int rows)
    {
        const int chunk = 1_000_000;
        var batches = new List<RecordBatch>();
        for (var start = 0; start < rows; start += chunk)
        {
            var count = Math.Min(chunk, rows - start);
            var ids = new long[count];
            var ns = new int[count];
            var vs = new double[count];
            for (var i = 0; i < count; i++)
            {
                long id = start + i;
                ids[i] = id;
                ns[i] = (int)(id % 100);
                vs[i] = id / 3.0;
            }
            batches.Add(new RecordBatch(schema, [ids, ns, vs]));
        }
        return batches;
    }
}
