using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DuckDB.NET.Data;

// Three figures for issue 4, each measured side by side in this run:
//  (a) CSV (ROWS rows × 10 columns) → Iceberg through `./dativo run` vs DuckDB reading the same CSV and writing
//      Parquet (goal ≥ 0.8);
//  (b) a PostgreSQL table (PG_ROWS rows × 10 columns) → Iceberg through `./dativo run` vs
//      `psql -c "\copy (select * from t) to /dev/null"` on the same table (goal ≥ 0.7);
//  (c) peak RSS of the `./dativo run` process at each of MEM_ROWS CSV sizes (goal < 500 MiB, flat).
// PARTS=csv,pg,mem picks the figures (default all).
var rows = EnvLong("ROWS", 10_000_000);
var pgRows = EnvLong("PG_ROWS", 10_000_000);
var memRows = (Environment.GetEnvironmentVariable("MEM_ROWS") ?? "1000000,10000000")
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var parts = (Environment.GetEnvironmentVariable("PARTS") ?? "csv,pg,mem").Split(',', StringSplitOptions.TrimEntries);
var runs = (int)EnvLong("RUNS", 3);
var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var dativoExe = Path.Combine(root, "dativo");
// WORK=dir keeps the folder (and reuses its CSVs) for profiling runs
var keep = Environment.GetEnvironmentVariable("WORK");
var work = keep ?? Path.Combine(Path.GetTempPath(), "dativo-bench-ingestion-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
var results = new List<string>();
try
{
    // warm the CLI build so its compile time is not measured
    RunDativo(dativoExe, ["--version"], work, null);

    if (parts.Contains("csv")) results.Add(CsvFigure());
    if (parts.Contains("pg")) results.Add(PgFigure());
    if (parts.Contains("mem")) results.Add(MemFigure());

    Console.WriteLine();
    Console.WriteLine("summary");
    foreach (var r in results) Console.WriteLine("  " + r);
}
finally
{
    if (keep is null) Directory.Delete(work, recursive: true);
}

string CsvFigure()
{
    var dir = CsvJob(rows);
    var csv = Path.Combine(dir, "data", "orders.csv");
    Console.WriteLine($"(a) csv: {rows:N0} rows, {new FileInfo(csv).Length / 1048576.0:N0} MiB CSV");
    // best of RUNS (default 3) for each side, interleaved: the cores are shared and single runs are noisy
    double duck = double.MaxValue, dativo = double.MaxValue;
    long rss = 0;
    for (var i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        using (var conn = new DuckDBConnection("DataSource=:memory:"))
        {
            conn.Open();
            Exec(conn, $"COPY (SELECT * FROM read_csv('{csv}', header = true)) TO '{dir}/duckdb.parquet' (FORMAT PARQUET, COMPRESSION ZSTD)");
        }
        duck = Math.Min(duck, sw.Elapsed.TotalSeconds);

        var (seconds, peak) = DativoRun(dir, null);
        dativo = Math.Min(dativo, seconds);
        rss = Math.Max(rss, peak);
    }
    Console.WriteLine($"    duckdb csv→parquet : {duck,8:N2} s  {rows / duck,12:N0} rows/s");
    Console.WriteLine($"    dativo csv→iceberg : {dativo,8:N2} s  {rows / dativo,12:N0} rows/s  (peak RSS {Mib(rss)})");
    return $"(a) csv→iceberg {rows:N0} rows: ratio dativo/duckdb {duck / dativo:0.00} (goal >= 0.8; best of {runs}: {dativo:N2} s vs {duck:N2} s)";
}

string PgFigure()
{
    using var pg = PgServer.Start(Path.Combine(work, "pg"));
    Console.WriteLine($"(b) postgres: server on 127.0.0.1:{pg.Port} ({pg.BinDir}); filling {pgRows:N0} rows …");
    var sw = Stopwatch.StartNew();
    pg.Psql($"""
        CREATE UNLOGGED TABLE t AS
        SELECT i::bigint AS id, 'user' || (i % 100000) || '@example.com' AS email,
               round((i % 100000) / 100.0, 2)::numeric(12,2) AS amount, i % 3 = 0 AS paid,
               timestamp '2024-01-01' + (i % 31536000) * interval '1 second' AS created, 'SKU-' || (i % 5000) AS sku,
               (i % 17)::integer AS quantity, (i % 1000) / 7.0::float8 AS score, date '2024-01-01' + (i % 365)::integer AS ship_date,
               (ARRAY['new','paid','shipped','done'])[1 + (i % 4)::integer] AS status
        FROM generate_series(0, {pgRows - 1}) AS s(i)
        """);
    pg.Psql("VACUUM ANALYZE t");
    Console.WriteLine($"    filled in {sw.Elapsed.TotalSeconds:N1} s, {pg.Psql("SELECT pg_size_pretty(pg_total_relation_size('t'))").Trim()}");

    var dir = Path.Combine(work, "pg-job");
    Directory.CreateDirectory(dir);
    File.WriteAllText(Path.Combine(dir, "contract.yaml"), Contract("bench_pg_orders"));
    File.WriteAllText(Path.Combine(dir, "job.yaml"),
        "tenant_id: bench\nsource_connector: postgres\ntarget_connector: iceberg\nasset: bench_pg_orders\nasset_path: contract.yaml\nsource:\n  tables:\n    - name: public.t\n      object: t\n");
    var env = new Dictionary<string, string>
    {
        ["PGHOST"] = "127.0.0.1", ["PGPORT"] = pg.Port.ToString(CultureInfo.InvariantCulture),
        ["PGUSER"] = "postgres", ["PGDATABASE"] = "postgres",
    };

    double psql = double.MaxValue, dativo = double.MaxValue;
    long rss = 0;
    for (var i = 0; i < runs; i++)
    {
        sw.Restart();
        pg.Psql(@"\copy (select * from t) to /dev/null");
        psql = Math.Min(psql, sw.Elapsed.TotalSeconds);

        var (seconds, peak) = DativoRun(dir, env);
        dativo = Math.Min(dativo, seconds);
        rss = Math.Max(rss, peak);
    }
    Console.WriteLine($"    psql \\copy to /dev/null : {psql,8:N2} s  {pgRows / psql,12:N0} rows/s");
    Console.WriteLine($"    dativo postgres→iceberg: {dativo,8:N2} s  {pgRows / dativo,12:N0} rows/s  (peak RSS {Mib(rss)})");
    return $"(b) postgres→iceberg {pgRows:N0} rows: ratio dativo/psql {psql / dativo:0.00} (goal >= 0.7; best of {runs}: {dativo:N2} s vs {psql:N2} s)";
}

string MemFigure()
{
    var peaks = new List<string>();
    Console.WriteLine($"(c) peak RSS of `dativo run` (csv → iceberg), measured with {(File.Exists("/usr/bin/time") ? "/usr/bin/time" : "/proc/<pid>/status VmHWM polling")}");
    foreach (var n in memRows)
    {
        var dir = CsvJob(n);
        var (seconds, peak) = DativoRun(dir, null);
        Console.WriteLine($"    {n,12:N0} rows: {Mib(peak),10}  ({seconds:N2} s)");
        peaks.Add($"{n:N0} rows {Mib(peak)}");
    }
    return $"(c) peak RSS: {string.Join(", ", peaks)} (goal < 500 MiB, flat)";
}

// a folder with data/orders.csv (n rows × 10 columns), contract.yaml and job.yaml; reused when it exists
string CsvJob(long n)
{
    var dir = Path.Combine(work, $"csv-{n}");
    var csv = Path.Combine(dir, "data", "orders.csv");
    Directory.CreateDirectory(Path.GetDirectoryName(csv)!);
    if (!File.Exists(csv))
    using (var conn = new DuckDBConnection("DataSource=:memory:"))
    {
        conn.Open();
        Exec(conn, $"""
            COPY (SELECT i AS id, 'user' || (i % 100000) || '@example.com' AS email, round((i % 100000) / 100.0, 2) AS amount,
                  i % 3 = 0 AS paid, TIMESTAMP '2024-01-01' + to_seconds(i % 31536000) AS created, 'SKU-' || (i % 5000) AS sku,
                  (i % 17)::INTEGER AS quantity, (i % 1000) / 7.0 AS score, DATE '2024-01-01' + (i % 365)::INTEGER AS ship_date,
                  CASE i % 4 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' ELSE 'done' END AS status
                  FROM range({n}) t(i)) TO '{csv}' (HEADER, DELIMITER ',')
            """);
    }
    File.WriteAllText(Path.Combine(dir, "contract.yaml"), Contract("bench_orders"));
    File.WriteAllText(Path.Combine(dir, "job.yaml"), "tenant_id: bench\nsource_connector: csv\ntarget_connector: iceberg\nasset: bench_orders\nasset_path: contract.yaml\nsource:\n  files:\n    - path: data/orders.csv\n");
    return dir;
}

// one fresh `./dativo run` into an empty local lake: wall seconds and peak RSS in bytes
(double Seconds, long PeakRss) DativoRun(string dir, Dictionary<string, string>? env)
{
    if (Directory.Exists(Path.Combine(dir, ".local"))) Directory.Delete(Path.Combine(dir, ".local"), recursive: true);
    var sw = Stopwatch.StartNew();
    var (code, peak) = RunDativo(dativoExe, ["run", "--config", "job.yaml"], dir, env);
    var seconds = sw.Elapsed.TotalSeconds;
    if (code != 0) throw new InvalidOperationException($"dativo run in {dir} exited {code}");
    return (seconds, peak);
}

static string Contract(string name) => $"""
    apiVersion: v3.0.2
    kind: DataContract
    name: {name}
    version: "1.0"
    schema:
      - {"{"}name: id, type: bigint, required: true{"}"}
      - {"{"}name: email, type: string{"}"}
      - {"{"}name: amount, type: decimal, precision: 12, scale: 2{"}"}
      - {"{"}name: paid, type: boolean{"}"}
      - {"{"}name: created, type: timestamp{"}"}
      - {"{"}name: sku, type: string{"}"}
      - {"{"}name: quantity, type: int{"}"}
      - {"{"}name: score, type: double{"}"}
      - {"{"}name: ship_date, type: date{"}"}
      - {"{"}name: status, type: string{"}"}
    team:
      owner: bench@example.com
    """;

static long EnvLong(string name, long fallback) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;

static string Mib(long bytes) => $"{bytes / 1048576.0:N0} MiB";

static void Exec(DuckDBConnection conn, string sql)
{
    using var cmd = conn.CreateCommand();
    cmd.CommandText = sql;
    cmd.ExecuteNonQuery();
}

// Runs the CLI; returns its exit code and peak RSS in bytes. `./dativo` execs `dotnet`, so the process keeps its pid:
// /usr/bin/time -f %M reports the max RSS of the whole process; without it, /proc/<pid>/status VmHWM is polled.
static (int Code, long PeakRss) RunDativo(string exe, string[] args, string dir, Dictionary<string, string>? env)
{
    var timeFile = Path.Combine(Path.GetTempPath(), "dativo-bench-time-" + Guid.NewGuid().ToString("N")[..8]);
    var useTime = File.Exists("/usr/bin/time");
    var psi = new ProcessStartInfo(useTime ? "/usr/bin/time" : exe)
    {
        WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true,
    };
    if (useTime)
    {
        foreach (var a in (string[])["-o", timeFile, "-f", "%M", exe]) psi.ArgumentList.Add(a);
    }
    foreach (var a in args) psi.ArgumentList.Add(a);
    psi.Environment["DATIVO_NO_PROGRESS"] = "1";
    if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
    using var p = Process.Start(psi)!;
    var o = p.StandardOutput.ReadToEndAsync();
    var e = p.StandardError.ReadToEndAsync();
    long peak = 0;
    while (!p.WaitForExit(50))
        if (!useTime) peak = Math.Max(peak, VmHwm(p.Id));
    p.WaitForExit();
    if (useTime)
    {
        peak = long.Parse(File.ReadAllText(timeFile).Trim().Split('\n')[^1], CultureInfo.InvariantCulture) * 1024;
        File.Delete(timeFile);
    }
    if (p.ExitCode != 0) Console.Error.WriteLine(o.Result + e.Result);
    else if (Environment.GetEnvironmentVariable("DATIVO_PROFILE") == "1")
        foreach (var line in e.Result.Split('\n').Where(l => l.StartsWith("profile ", StringComparison.Ordinal))) Console.WriteLine("      " + line);
    return (p.ExitCode, peak);
}

static long VmHwm(int pid)
{
    try
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
    catch (IOException) { }
    return 0;
}

// A throwaway PostgreSQL (initdb in a temp folder, trust auth, 127.0.0.1 on a free port; as `nobody` when run as
// root, since initdb refuses root), stopped and deleted on Dispose.
sealed class PgServer : IDisposable
{
    private readonly string _dir;
    private readonly bool _asNobody = Environment.UserName == "root";

    private PgServer(string bin, string dir, int port)
    {
        BinDir = bin;
        _dir = dir;
        Port = port;
    }

    public string BinDir { get; }

    public int Port { get; }

    public static PgServer Start(string dir)
    {
        var bin = new[] { Environment.GetEnvironmentVariable("DATIVO_PG_BIN"), "/usr/lib/postgresql/15/bin", "/usr/local/bin" }
            .Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")) : [])
            .FirstOrDefault(d => d is not null && File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new InvalidOperationException("initdb/pg_ctl not found (set DATIVO_PG_BIN)");
        Directory.CreateDirectory(dir);
        // the server user must be able to create data/ and the socket here
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
        var s = new PgServer(bin, dir, FreePort());
        s.Tool("initdb", ["-D", Path.Combine(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        s.Tool("pg_ctl", ["-D", Path.Combine(dir, "data"), "-l", Path.Combine(dir, "server.log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -p {s.Port} -k {dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB",
            "start"]);
        return s;
    }

    /// <summary>Runs SQL (or a psql meta-command) through psql as the client; returns its unaligned output.</summary>
    public string Psql(string sql)
    {
        var psql = File.Exists(Path.Combine(BinDir, "psql")) ? Path.Combine(BinDir, "psql") : "psql";
        return Exec(psql, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-c", sql], false);
    }

    public void Dispose()
    {
        try { Tool("pg_ctl", ["-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"]); }
        finally { Directory.Delete(_dir, recursive: true); }
    }

    private void Tool(string name, string[] args) => Exec(Path.Combine(BinDir, name), args, _asNobody);

    private string Exec(string exe, string[] args, bool asNobody)
    {
        var psi = new ProcessStartInfo(asNobody ? "runuser" : exe) { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        if (asNobody) foreach (var a in (string[])["-u", "nobody", "--", exe]) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var e = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(exe)} exited {p.ExitCode}: {o}{e.Result}");
        return o;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
