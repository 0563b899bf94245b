using System.Diagnostics;
using System.Globalization;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Bench;

/// <summary>
/// The Parquet writer alone on the ingestion benchmark's row shape: 10 columns (long, string, decimal(12,2), boolean,
/// timestamp, string, int, double, date, string; nullable arrays, as CSV coercion hands them over) in 131,072-row
/// batches appended to a local table. Prints wall and process CPU seconds per 1 M rows (best of 3).
/// </summary>
internal static class WideWriteBench
{
    private const int Runs = 3;
    private const int BatchRows = 131_072;

    public static async Task RunAsync(string dir, int rows)
    {
        var schema = new IcebergSchema(0,
        [
            NestedField.Require(1, "id", IcebergType.Long),
            NestedField.Optional(2, "email", IcebergType.String),
            NestedField.Optional(3, "amount", IcebergType.Decimal(12, 2)),
            NestedField.Optional(4, "paid", IcebergType.Boolean),
            NestedField.Optional(5, "created", IcebergType.Timestamp),
            NestedField.Optional(6, "sku", IcebergType.String),
            NestedField.Optional(7, "quantity", IcebergType.Int),
            NestedField.Optional(8, "score", IcebergType.Double),
            NestedField.Optional(9, "ship_date", IcebergType.Date),
            NestedField.Optional(10, "status", IcebergType.String),
        ]);
        var batches = Batches(schema, rows);
        var wh = Path.Combine(dir, "wide");
        var store = Storage.ObjectStores.Open(wh);
        var catalog = Catalogs.Open(new CatalogOptions { Warehouse = wh });
        await catalog.CreateNamespaceAsync("bench");
        var options = new WriteOptions { RowGroupRows = BatchRows };
        double wall = double.MaxValue, cpu = double.MaxValue;
        long bytes = 0;
        for (var run = 0; run < Runs; run++)
        {
            var table = await IcebergTables.CreateAsync(catalog, store, new TableIdentifier("bench", $"wide{run}"), schema);
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            await using (var w = table.NewDataWriter(options))
            {
                foreach (var b in batches) await w.WriteAsync(b);
                var files = await w.CompleteAsync();
                bytes = files.Sum(f => f.FileSizeInBytes);
            }
            wall = Math.Min(wall, sw.Elapsed.TotalSeconds);
            cpu = Math.Min(cpu, (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
        }
        var perM = 1e6 / rows;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(c) wide write, rows {rows:N0} × 10 columns: best wall {wall:F2} s, best CPU {cpu:F2} s ({wall * perM:F2} s wall, {cpu * perM:F2} CPU-s per 1 M rows), {bytes / 1e6:F1} MB"));
    }

    private static List<RecordBatch> Batches(IcebergSchema schema, int rows)
    {
        var t0 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var d0 = new DateOnly(2024, 1, 1);
        string[] statuses = ["new", "paid", "shipped", "done"];
        var batches = new List<RecordBatch>();
        for (var start = 0; start < rows; start += BatchRows)
        {
            var n = Math.Min(BatchRows, rows - start);
            var id = new long[n];
            var email = new string?[n];
            var amount = new decimal?[n];
            var paid = new bool?[n];
            var created = new DateTime?[n];
            var sku = new string?[n];
            var qty = new int?[n];
            var score = new double?[n];
            var ship = new DateOnly?[n];
            var status = new string?[n];
            for (var k = 0; k < n; k++)
            {
                long i = start + k;
                id[k] = i;
                email[k] = "user" + (i % 100_000).ToString(CultureInfo.InvariantCulture) + "@example.com";
                amount[k] = (i % 100_000) / 100m;
                paid[k] = i % 3 == 0;
                created[k] = t0.AddSeconds(i % 31_536_000);
                sku[k] = "SKU-" + (i % 5000).ToString(CultureInfo.InvariantCulture);
                qty[k] = (int)(i % 17);
                score[k] = (i % 1000) / 7.0;
                ship[k] = d0.AddDays((int)(i % 365));
                status[k] = statuses[i % 4];
            }
            batches.Add(new RecordBatch(schema, [id, email, amount, paid, created, sku, qty, score, ship, status]));
        }
        return batches;
    }
}
