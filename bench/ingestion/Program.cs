using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;

// CSV (ROWS rows × 10 columns) → Iceberg through `./dativo run`, against DuckDB reading the same CSV and
// writing Parquet, both measured in this run. Prints rows/s of each and the ratio (goal ≥ 0.8).
var rows = long.Parse(Environment.GetEnvironmentVariable("ROWS") ?? "10000000", CultureInfo.InvariantCulture);
var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
// WORK=dir keeps the folder (and reuses its CSV) for profiling runs
var keep = Environment.GetEnvironmentVariable("WORK");
var work = keep ?? Path.Combine(Path.GetTempPath(), "dativo-bench-ingestion-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(Path.Combine(work, "data"));
var csv = Path.Combine(work, "data", "orders.csv");
try
{
    if (!File.Exists(csv))
    using (var conn = new DuckDBConnection("DataSource=:memory:"))
    {
        conn.Open();
        Exec(conn, $"""
            COPY (SELECT i AS id, 'user' || (i % 100000) || '@example.com' AS email, round((i % 100000) / 100.0, 2) AS amount,
                  i % 3 = 0 AS paid, TIMESTAMP '2024-01-01' + to_seconds(i % 31536000) AS created, 'SKU-' || (i % 5000) AS sku,
                  (i % 17)::INTEGER AS quantity, (i % 1000) / 7.0 AS score, DATE '2024-01-01' + (i % 365)::INTEGER AS ship_date,
                  CASE i % 4 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' ELSE 'done' END AS status
                  FROM range({rows}) t(i)) TO '{csv}' (HEADER, DELIMITER ',')
            """);
    }
    File.WriteAllText(Path.Combine(work, "contract.yaml"), """
        apiVersion: v3.0.2
        kind: DataContract
        name: bench_orders
        version: "1.0"
        schema:
          - {name: id, type: bigint, required: true}
          - {name: email, type: string}
          - {name: amount, type: decimal, precision: 12, scale: 2}
          - {name: paid, type: boolean}
          - {name: created, type: timestamp}
          - {name: sku, type: string}
          - {name: quantity, type: int}
          - {name: score, type: double}
          - {name: ship_date, type: date}
          - {name: status, type: string}
        team:
          owner: bench@example.com
        """);
    File.WriteAllText(Path.Combine(work, "job.yaml"), "tenant_id: bench\nsource_connector: csv\ntarget_connector: iceberg\nasset_path: contract.yaml\nsource:\n  files:\n    - path: data/orders.csv\n");
    Console.WriteLine($"input: {rows:N0} rows, {new FileInfo(csv).Length / 1048576.0:N0} MiB CSV");

    // warm the CLI build so its compile time is not measured
    Run(Path.Combine(root, "dativo"), ["--version"], work);

    // best of RUNS (default 3) for each side, interleaved: the cores are shared and single runs are noisy
    var runs = int.Parse(Environment.GetEnvironmentVariable("RUNS") ?? "3", CultureInfo.InvariantCulture);
    double duck = double.MaxValue, dativo = double.MaxValue;
    for (var i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        using (var conn = new DuckDBConnection("DataSource=:memory:"))
        {
            conn.Open();
            Exec(conn, $"COPY (SELECT * FROM read_csv('{csv}', header = true)) TO '{work}/duckdb.parquet' (FORMAT PARQUET, COMPRESSION ZSTD)");
        }
        duck = Math.Min(duck, sw.Elapsed.TotalSeconds);

        if (Directory.Exists(Path.Combine(work, ".local"))) Directory.Delete(Path.Combine(work, ".local"), recursive: true);
        sw.Restart();
        var code = Run(Path.Combine(root, "dativo"), ["run", "--config", "job.yaml"], work);
        dativo = Math.Min(dativo, sw.Elapsed.TotalSeconds);
        if (code != 0) throw new InvalidOperationException($"dativo run exited {code}");
    }

    Console.WriteLine($"duckdb csv→parquet : {duck,8:N2} s  {rows / duck,12:N0} rows/s");
    Console.WriteLine($"dativo csv→iceberg : {dativo,8:N2} s  {rows / dativo,12:N0} rows/s");
    Console.WriteLine($"ratio (dativo/duckdb throughput, best of {runs} each): {duck / dativo:0.00} (goal >= 0.8)");
}
finally
{
    if (keep is null) Directory.Delete(work, recursive: true);
}

static void Exec(DuckDBConnection conn, string sql)
{
    using var cmd = conn.CreateCommand();
    cmd.CommandText = sql;
    cmd.ExecuteNonQuery();
}

static int Run(string exe, string[] args, string dir)
{
    var psi = new ProcessStartInfo(exe) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in args) psi.ArgumentList.Add(a);
    psi.Environment["DATIVO_NO_PROGRESS"] = "1";
    using var p = Process.Start(psi)!;
    var o = p.StandardOutput.ReadToEndAsync();
    var e = p.StandardError.ReadToEndAsync();
    p.WaitForExit();
    if (p.ExitCode != 0) Console.Error.WriteLine(o.Result + e.Result);
    return p.ExitCode;
}
