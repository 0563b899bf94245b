using System.Diagnostics;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;
using DuckDB.NET.Data;

// Iceberg append (Parquet.Net, zstd, field ids, metrics, manifests, commit) vs DuckDB COPY TO parquet (zstd)
// for the same narrow rows, measured in the same run. Usage: dotnet run -c Release --project bench/Dativo.Bench.Lake [rows]
var rows = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000;
var dir = Path.Combine(Path.GetTempPath(), "dativo-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(dir);
try
{
    const int chunk = 1_000_000;
    var schema = new IcebergSchema(0,
    [
        NestedField.Require(1, "id", IcebergType.Long),
        NestedField.Require(2, "n", IcebergType.Int),
        NestedField.Require(3, "v", IcebergType.Double),
    ]);
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

    await using (var duck = new DuckDBConnection("Data Source=:memory:"))
    {
        await duck.OpenAsync();
        await using var cmd = duck.CreateCommand();
        cmd.CommandText = "SET autoinstall_known_extensions=false; SET autoload_known_extensions=false;";
        await cmd.ExecuteNonQueryAsync();
        // materialize first so both sides start from in-memory data
        cmd.CommandText = $"CREATE TABLE t AS SELECT range AS id, (range % 100)::INTEGER AS n, range / 3.0 AS v FROM range({rows})";
        await cmd.ExecuteNonQueryAsync();
        // best of 3 for each side: the machine's cores are shared, single runs are noisy
        const int runs = 3;
        var duckSec = double.MaxValue;
        var sw = new Stopwatch();
        for (var run = 0; run < runs; run++)
        {
            sw.Restart();
            cmd.CommandText = $"COPY t TO '{Path.Combine(dir, "duck.parquet")}' (FORMAT parquet, COMPRESSION zstd)";
            await cmd.ExecuteNonQueryAsync();
            duckSec = Math.Min(duckSec, sw.Elapsed.TotalSeconds);
        }

        var store = Dativo.Lake.Storage.ObjectStores.Open(Path.Combine(dir, "wh"));
        var catalog = Catalogs.Open(new CatalogOptions { Warehouse = Path.Combine(dir, "wh") });
        await catalog.CreateNamespaceAsync("bench");
        var oursSec = double.MaxValue;
        CommitResult? result = null;
        for (var run = 0; run < runs; run++)
        {
            var table = await IcebergTables.CreateAsync(catalog, store, new TableIdentifier("bench", $"narrow{run}"), schema);
            sw.Restart();
            result = await table.AppendAsync(batches);
            oursSec = Math.Min(oursSec, sw.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"rows                 {rows:N0}");
        Console.WriteLine($"duckdb COPY parquet  {duckSec:F2} s  {rows / duckSec:N0} rows/s  {new FileInfo(Path.Combine(dir, "duck.parquet")).Length / 1e6:F1} MB");
        Console.WriteLine($"iceberg append       {oursSec:F2} s  {rows / oursSec:N0} rows/s  {long.Parse(result!.Summary["added-files-size"], System.Globalization.CultureInfo.InvariantCulture) / 1e6:F1} MB in {result!.AddedDataFiles} file(s)");
        Console.WriteLine($"ratio best-of-{runs} (ours/duckdb)  {duckSec / oursSec:F2}");
    }
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(dir, recursive: true);
}
