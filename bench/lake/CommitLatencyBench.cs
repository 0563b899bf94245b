using System.Diagnostics;
using System.Globalization;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Bench;

/// <summary>
/// Latency of 1-file appends on a local table with the SQLite catalog: the commit alone (a data file written
/// beforehand, then manifest + manifest list + metadata + catalog swap) and the whole append (file included).
/// </summary>
internal static class CommitLatencyBench
{
    public static async Task RunAsync(string dir, int commits)
    {
        var schema = new IcebergSchema(0, [NestedField.Require(1, "id", IcebergType.Long), NestedField.Optional(2, "s", IcebergType.String)]);
        var wh = Path.Combine(dir, "commits");
        var store = Storage.ObjectStores.Open(wh);
        var catalog = Catalogs.Open(new CatalogOptions { Warehouse = wh });
        await catalog.CreateNamespaceAsync("bench");
        var table = await IcebergTables.CreateAsync(catalog, store, new TableIdentifier("bench", "commits"), schema);
        var commitMs = new List<double>(commits);
        var appendMs = new List<double>(commits);
        var sw = new Stopwatch();
        for (var i = 0; i < commits; i++)
        {
            var batch = new RecordBatch(schema, [new long[] { i }, new string?[] { "x" }]);
            if (i % 2 == 0)
            {
                var files = await table.WriteDataFilesAsync([batch]);
                sw.Restart();
                await table.AppendFilesAsync(files);
                commitMs.Add(sw.Elapsed.TotalMilliseconds);
            }
            else
            {
                sw.Restart();
                await table.AppendAsync(batch);
                appendMs.Add(sw.Elapsed.TotalMilliseconds);
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(b) 1-file append commits: {commits} on one table (alternating: commit of a written file / whole append)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    commit only    p50 {P(commitMs, 0.50):F1} ms  p95 {P(commitMs, 0.95):F1} ms   (goal p50 < 20 ms)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    whole append   p50 {P(appendMs, 0.50):F1} ms  p95 {P(appendMs, 0.95):F1} ms"));
    }

    private static double P(List<double> values, double q)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
