using System.Globalization;
using Dativo.Lake.Bench;

// (a) Iceberg append of narrow rows vs DuckDB COPY TO parquet of the same rows, best of 3 each (ratio, goal >= 0.8);
// (b) p50/p95 latency of a 1-file append commit over N commits (goal p50 < 20 ms);
// (c) wall and CPU seconds of the Parquet writer on 10-column rows (the ingestion benchmark's shape).
// Usage: bench/lake/run.sh [rows] [commits] [wide rows]; 0 skips a part
var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000_000;
var commits = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
var wideRows = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_000_000;
var dir = Path.Combine(Path.GetTempPath(), "dativo-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(dir);
try
{
    if (rows > 0) await AppendBench.RunAsync(dir, rows);
    if (commits > 0) await CommitLatencyBench.RunAsync(dir, commits);
    if (wideRows > 0) await WideWriteBench.RunAsync(dir, wideRows);
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(dir, recursive: true);
}
