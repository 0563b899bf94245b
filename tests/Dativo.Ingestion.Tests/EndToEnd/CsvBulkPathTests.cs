using System.Globalization;
using System.IO.Compression;
using System.Text;
using Dativo.Ingestion.Tests.Support;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Engine;
using Dativo.Lake.Storage;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>
/// The bulk path (DuckDB loads whole CSV and Parquet files) must give exactly what the row path gives: the same rows, the same
/// rejections, the same exit code and the same column metrics. Every test runs one job twice, with the bulk path on
/// and off (DATIVO_BULK_LOAD=0), and compares.
/// </summary>
public sealed class CsvBulkPathTests
{
    private const string Contract = """
        apiVersion: v3.0.2
        kind: DataContract
        name: kinds
        version: "1.0"
        domain: qa
        schema:
          - {name: id, type: bigint, required: true}
          - {name: l, type: bigint}
          - {name: n, type: int}
          - {name: d, type: double}
          - {name: m, type: decimal, precision: 12, scale: 2}
          - {name: big, type: decimal, precision: 38, scale: 9}
          - {name: b, type: boolean}
          - {name: dt, type: date}
          - {name: ts, type: timestamp}
          - {name: tz, type: timestamptz}
          - {name: u, type: uuid}
          - {name: s, type: string}
        team:
          owner: qa@acme.com
        """;

    private const string Header = "id,l,n,d,m,big,b,dt,ts,tz,u,s";

    private static readonly string[] CanonicalRows =
    [
        "1,42,7,0.14285714285714285,10.50,1234567890123456789.123456789,true,2024-01-05,2024-01-01 10:00:00,2024-01-01 10:00:00,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,plain",
        "2,-9223372036854775808,-2147483648,-1.5e10,-0.01,0.000000001,false,1999-12-31,1969-07-20 20:17:40.5,2030-06-01T00:00:00,A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12,\"quoted, with \"\"quotes\"\"\"",
        "3,,,,,,,,,,,",
        "4,9223372036854775807,2147483647,1e-300,9999999999.99,-1,0,0001-01-01,2024-02-29T23:59:59.999999,1970-01-01 00:00:00,00000000-0000-0000-0000-000000000000,ümlaut ✓ and a long string past sixteen characters",
        "5,0,0,0,0,0,yes,9999-12-31,2024-01-01 00:00:00,2024-01-01 00:00:00.123,ffffffff-ffff-ffff-ffff-ffffffffffff,\"\"",
    ];

    [Fact]
    public async Task Canonical_csv_takes_the_bulk_path_and_matches_the_row_path_rows_and_metrics()
    {
        var files = new Dictionary<string, string> { ["data/a.csv"] = Header + "\n" + string.Join("\n", CanonicalRows) + "\n" };
        var (bulk, rows) = await BothAsync(files, "");
        Assert.True(bulk.Log.Contains("\"bulk_files\":1", StringComparison.Ordinal), bulk.Log);
        Assert.DoesNotContain("row_path_files", bulk.Log);
        Assert.Contains("\"bulk_files\":0", rows.Log);
        Assert.Equal(0, bulk.ExitCode);
        Assert.Equal(rows.Rows, bulk.Rows);
        Assert.Equal(5, bulk.Rows.Count);
        Assert.Equal(Metrics(rows.Files), Metrics(bulk.Files));
    }

    /// <summary>Values DuckDB's casts read differently from the contract rules (each in its own file, so each file decides).</summary>
    [Theory]
    [InlineData("")]
    [InlineData("schema_validation_mode: warn")]
    public async Task Tricky_values_give_the_same_rows_and_rejections_on_both_paths(string mode)
    {
        var cases = new (string Column, string Value)[]
        {
            ("l", "12.5"), ("l", "12.0"), ("l", "1e3"), ("l", "0x1F"), ("l", "1_000"), ("l", " 5"), ("l", "+5"), ("l", "-0"), ("l", "007"),
            ("l", "9223372036854775808"), ("l", "abc"), ("n", "2147483648"), ("n", "1.0"),
            ("d", ".5"), ("d", "5."), ("d", "1e400"), ("d", "NaN"), ("d", "inf"), ("d", "-Infinity"), ("d", "1_0.5"), ("d", " 2.5 "), ("d", "-0"), ("d", "0x10"),
            ("m", "1.234"), ("m", "1.2"), ("m", "1e2"), ("m", "1_0.5"), ("m", " 1.5 "), ("m", "+.5"), ("m", "12345678901.1"), ("m", "."), ("m", "-"), ("m", "1.235e1"),
            ("m", "5."), ("m", "-0.5"), ("m", "-.5"), ("m", "0"), ("m", "-0"), ("m", "0.120"), ("m", "007.5"), ("m", "1.50"), ("m", "12"), ("m", "1.0_5"),
            ("big", "123456789012345678901234567890"), ("big", "0.0000000001"), ("big", "99999999999999999999.999999999"), ("big", "99999999999999999999999999999"), ("big", "-9999999999999999999.999999999"),
            ("b", "Yes"), ("b", " on "), ("b", "T"), ("b", "TRUE"), ("b", "2"), ("b", "N"), ("b", "\"true\""), ("b", "on"), ("b", "OFF"), ("b", "yes "), ("b", "tRuE"), ("b", "1.0"), ("b", " 0"),
            ("dt", "2024-1-5"), ("dt", "2024-01-05 00:00:00"), ("dt", "0000-01-01"), ("dt", "2024-02-30"), ("dt", "2024-01-05T00:00:00"), ("dt", "20240105"),
            ("ts", "2024-01-01T10:00:00Z"), ("ts", "2024-01-01 24:00:00"), ("ts", "2024-01-01 10:00:00.1234567"), ("ts", "2024-01-01 10:00+02"),
            ("ts", "2024-01-01T10:00:00.5"), ("ts", "2024-01-01"), ("ts", "2024-01-01 10:00"), ("ts", "2024-01-01 10:00:00+02:00"), ("ts", "2024-13-01 10:00:00"),
            ("ts", "2024-01-01 10:00:00.120"), ("ts", "2024-01-01T10:00:00"), ("ts", "2024-01-01t10:00:00"), ("ts", "2024-01-01T10:00:00T"),
            ("tz", "2024-01-01T10:00:00+05:30"), ("tz", "2024-06-01 10:00:00Z"),
            ("u", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"), ("u", "a0eebc999c0b4ef8bb6d6bb9bd380a11"), ("u", "not-a-uuid"), ("u", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            ("s", " padded "), ("s", "NULL"), ("s", "\"NULL\""), ("s", "None"), ("s", "\"multi\nline\""),
        };
        var files = new Dictionary<string, string>();
        for (var i = 0; i < cases.Length; i++)
            files[$"data/v{i:D3}.csv"] = $"id,{cases[i].Column}\n{i + 100},{cases[i].Value}\n";
        var (bulk, rows) = await BothAsync(files, mode);
        Assert.Equal(rows.ExitCode, bulk.ExitCode);
        Assert.Equal(rows.Rows, bulk.Rows);
        Assert.Equal(rows.Rejections, bulk.Rejections);
        Assert.NotEmpty(bulk.Rejections);
        Assert.Contains("\"bulk_files\":", bulk.Log);
        Assert.DoesNotContain("\"bulk_files\":0", bulk.Log); // some values are canonical: those files did go through DuckDB
    }

    [Fact]
    public async Task Odd_files_fall_back_or_load_identically()
    {
        using var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            z.Write(Encoding.UTF8.GetBytes(Header + "\n" + WithId(CanonicalRows[0], 10) + "\n"));
        var files = new Dictionary<string, string>
        {
            ["data/crlf.csv"] = Header + "\r\n" + WithId(CanonicalRows[1], 20) + "\r\n",
            ["data/wrong_count.csv"] = "id,l\n30,1\n31,2,3\n32,3\n",
            ["data/blank_line.csv"] = "id,l\n40,1\n\n41,2\n",
            ["data/bom.csv"] = "\uFEFFid,l\n50,1\n",
            ["data/upper_header.csv"] = "ID,L,extra\n60,1,x\n",
            ["data/missing_required.csv"] = "l\n1\n",
            ["data/header_only.csv"] = "id,l\n",
            ["data/no_newline_at_end.csv"] = "id,l\n70,7",
        };
        var (bulk, rows) = await BothAsync(files, "", ("data/gz.csv.gz", gz.ToArray()));
        Assert.Equal(rows.ExitCode, bulk.ExitCode);
        Assert.Equal(rows.Rows, bulk.Rows);
        Assert.Equal(rows.Rejections, bulk.Rejections);
        Assert.Contains("wrong_field_count", string.Join("\n", bulk.Rejections));
    }

    [Theory]
    [InlineData("    header: false\n    delimiter: \"\\t\"\n    null_values: [\"NA\"]\n",
        "1\tNA\t7\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\n2\t5\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\t\n")]
    [InlineData("    delimiter: \";\"\n    quote: \"'\"\n    null_values: []\n",
        "id;s;l\n1;'a;b';5\n2;'it''s';6\n3;'';7\n4;NULL;8\n")]
    public async Task Csv_options_give_the_same_result_on_both_paths(string options, string text)
    {
        var (bulk, rowPath) = await BothAsync(new Dictionary<string, string> { ["data/a.csv"] = text }, "", options);
        Assert.Equal(rowPath.ExitCode, bulk.ExitCode);
        Assert.Equal(rowPath.Rows, bulk.Rows);
        Assert.Equal(rowPath.Rejections, bulk.Rejections);
        Assert.True(bulk.Rows.Count == text.Count(c => c == '\n') - (text.StartsWith("id", StringComparison.Ordinal) ? 1 : 0), bulk.Log);
        Assert.True(bulk.Log.Contains("\"bulk_files\":1", StringComparison.Ordinal), bulk.Log);
    }

    [Fact]
    public async Task Incremental_rerun_loads_only_the_new_file_in_bulk()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Header + "\n" + CanonicalRows[0] + "\n");
        var job = f.Job("job.yaml", "csv", "data/*.csv", contract: Contract);
        var first = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(first.ExitCode == 0, first.All);
        f.Write("data/b.csv", Header + "\n" + CanonicalRows[1] + "\n");
        var second = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(second.ExitCode == 0, second.All);
        Assert.Contains("\"rows_read\":1", second.Stderr);
        Assert.Contains("\"bulk_files\":1", second.Stderr);
        var third = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.Contains("no new data", third.Stdout);
        Assert.Equal(["1", "2"], (await LakeReader.RowsAsync(f.Warehouse, "qa", "kinds", "id")).Select(r => Convert.ToString(r["id"], CultureInfo.InvariantCulture)));
    }

    private const string ParquetContract = """
        apiVersion: v3.0.2
        kind: DataContract
        name: kinds
        version: "1.0"
        domain: qa
        schema:
          - {name: id, type: bigint, required: true}
          - {name: l, type: bigint}
          - {name: n, type: int}
          - {name: d, type: double}
          - {name: m, type: decimal, precision: 12, scale: 2}
          - {name: b, type: boolean}
          - {name: dt, type: date}
          - {name: ts, type: timestamp}
          - {name: s, type: string}
        team:
          owner: qa@acme.com
        """;

    /// <summary>Parquet files whose columns already have the contract's types (or widen to them exactly) are copied by DuckDB; any other file gives the same result through the row path.</summary>
    [Fact]
    public async Task Parquet_files_copy_in_bulk_when_their_types_match_and_match_the_row_path_either_way()
    {
        var files = new Dictionary<string, string>
        {
            ["exact"] = $"SELECT i::BIGINT AS id, CASE WHEN i = 0 THEN -9223372036854775808 WHEN i = 1 THEN 9223372036854775807 WHEN i % 7 = 0 THEN NULL ELSE i * 1000003 END::BIGINT AS l, " +
                "CASE WHEN i = 2 THEN -2147483648 WHEN i = 3 THEN 2147483647 ELSE i END::INTEGER AS n, i / 3.0::DOUBLE AS d, (i / 100.0)::DECIMAL(12,2) AS m, " +
                "CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END AS b, DATE '2024-01-01' + i::INTEGER AS dt, TIMESTAMP '2024-01-01 00:00:00.123456' + to_seconds(i) AS ts, " +
                "CASE WHEN i % 11 = 0 THEN NULL ELSE 'v' || i || ' ✓' END AS s FROM range(0, 300) t(i)",
            ["widening"] = "SELECT (1000 + i)::INTEGER AS ID, i::SMALLINT AS l, (i % 100)::TINYINT AS n, (i / 4.0)::FLOAT AS d, (i / 10.0)::DECIMAL(5,1) AS m, " +
                "TIMESTAMP '2024-02-01' + to_seconds(i) AS ts, 'extra' AS zzz FROM range(0, 200) t(i)",
            ["text"] = $"SELECT (2000 + i)::VARCHAR AS id, i::VARCHAR AS l, '7' AS n, '1.5' AS d, '2.25' AS m, 'yes' AS b, '2024-01-01' AS dt, '2024-01-01T10:00:00' AS ts, 's' AS s FROM range(0, 5) t(i)",
            ["narrowing"] = "SELECT (3000 + i)::BIGINT AS id, CASE WHEN i = 0 THEN 3000000000 ELSE i END::BIGINT AS n FROM range(0, 5) t(i)",
            ["null_required"] = "SELECT CASE WHEN i = 2 THEN NULL ELSE 4000 + i END::BIGINT AS id, 's' || i AS s FROM range(0, 5) t(i)",
            ["nanos"] = "SELECT (5000 + i)::BIGINT AS id, TIMESTAMP_NS '2024-01-01 00:00:00.123456789' AS ts FROM range(0, 5) t(i)",
            ["scale"] = "SELECT (6000 + i)::BIGINT AS id, CASE WHEN i = 0 THEN 1.234 ELSE 1.230 END::DECIMAL(12,3) AS m FROM range(0, 5) t(i)",
        };
        using var dir = new TempDir();
        var binary = new List<(string, byte[])>();
        await using (var engine = await DuckDbEngine.OpenAsync(threads: 1))
            foreach (var (name, sql) in files)
            {
                var path = Path.Combine(dir.Path, name + ".parquet");
                await engine.ExecuteAsync($"COPY ({sql}) TO '{path}' (FORMAT parquet)");
                binary.Add(($"data/{name}.parquet", File.ReadAllBytes(path)));
            }
        var bulk = await RunAsync([], "", "", [.. binary], bulk: true, "parquet", ParquetContract);
        var rows = await RunAsync([], "", "", [.. binary], bulk: false, "parquet", ParquetContract);
        Assert.Equal(rows.ExitCode, bulk.ExitCode);
        Assert.Equal(rows.Rows, bulk.Rows);
        Assert.Equal(rows.Rejections, bulk.Rejections);
        Assert.Equal(300 + 200 + 5 + 4 + 4 + 5 + 4, bulk.Rows.Count); // one record each rejected from narrowing, null_required and scale
        Assert.Contains("\"bulk_files\":2", bulk.Log);   // exact and widening
        foreach (var name in new[] { "text", "narrowing", "null_required", "nanos", "scale" })
            Assert.Contains($"{name}.parquet", bulk.Log);   // named with the reason it took the row path
        Assert.Contains("\"bulk_files\":0", rows.Log);
        Assert.NotEmpty(bulk.Rejections);
    }

    /// <summary>
    /// DuckDB's CSV reader returns no rows and no error for a record longer than its read buffer (~32 MB): the bulk path
    /// must notice (rows read ≠ records in the file) and leave the file to the row path, which loads the record.
    /// </summary>
    [Fact]
    public async Task A_record_longer_than_duckdbs_buffer_is_loaded_by_the_row_path_not_lost()
    {
        var huge = new string('x', 34 << 20);
        var files = new Dictionary<string, string>
        {
            ["data/huge_only.csv"] = $"id,s\n1,{huge}\n",
            ["data/huge_between.csv"] = $"id,s\n2,a\n3,\"{huge}\"\n4,b\n",
            ["data/normal.csv"] = "id,s\n5,c\n",
        };
        foreach (var bulk in new[] { true, false })
        {
            var run = await RunAsync(files, "", "", [], bulk, contract: TwoColumns);
            Assert.True(run.ExitCode == 0, run.Log);
            Assert.Equal(["1", "2", "3", "4", "5"], run.Rows.Select(r => Field(r, "id")));
            Assert.Equal([huge.Length, 1, huge.Length, 1, 1], run.Rows.Select(r => Field(r, "s").Length));
            if (bulk)
            {
                Assert.Contains("\"bulk_files\":1", run.Log); // normal.csv
                Assert.Contains("huge_only.csv: DuckDB read 0 of the file's 1 records", run.Log);
            }
        }
    }

    private const string TwoColumns = """
        apiVersion: v3.0.2
        kind: DataContract
        name: kinds
        version: "1.0"
        domain: qa
        schema:
          - {name: id, type: bigint, required: true}
          - {name: s, type: string}
        team:
          owner: qa@acme.com
        """;

    /// <summary>One column's value in a row as <see cref="RunAsync"/> shows it.</summary>
    private static string Field(string row, string column) =>
        row.Split(" | ").Single(p => p.StartsWith(column + "=", StringComparison.Ordinal))[(column.Length + 1)..];

    private static string WithId(string row, int id) => id.ToString(CultureInfo.InvariantCulture) + row[row.IndexOf(',', StringComparison.Ordinal)..];

    private sealed record Outcome(int ExitCode, string Log, List<string> Rows, List<string> Rejections, List<DataFile> Files);

    private static async Task<(Outcome Bulk, Outcome Rows)> BothAsync(Dictionary<string, string> files, string mode, params (string Path, byte[] Bytes)[] binary) =>
        await BothAsync(files, mode, "", binary);

    private static async Task<(Outcome Bulk, Outcome Rows)> BothAsync(Dictionary<string, string> files, string mode, string options, params (string Path, byte[] Bytes)[] binary) =>
        (await RunAsync(files, mode, options, binary, bulk: true), await RunAsync(files, mode, options, binary, bulk: false));

    private static async Task<Outcome> RunAsync(Dictionary<string, string> files, string mode, string options, (string Path, byte[] Bytes)[] binary, bool bulk,
        string connector = "csv", string contract = Contract)
    {
        using var f = new JobFolder();
        foreach (var (path, text) in files) f.Write(path, text);
        foreach (var (path, bytes) in binary)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(f.Path, path))!);
            File.WriteAllBytes(Path.Combine(f.Path, path), bytes);
        }
        var job = f.Job("job.yaml", connector, "data/*", mode, contract);
        if (options.Length > 0) File.AppendAllText(job, "\n  options:\n" + options);
        var env = new Dictionary<string, string> { ["DATIVO_BULK_LOAD"] = bulk ? "1" : "0" };
        var r = await CliRunner.RunAsync(f.Path, env, "run", "--config", job);
        Assert.True(r.ExitCode is 0 or 1 or 2 && !r.Stderr.Contains("job_failed", StringComparison.Ordinal), r.All);
        var rows = (await LakeReader.RowsAsync(f.Warehouse, "qa", "kinds", "id"))
            .Select(row => string.Join(" | ", row.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={Show(kv.Value)}"))).ToList();
        var quarantine = Path.Combine(f.Warehouse, "qa", "_quarantine", "kinds");
        var rejections = Directory.Exists(quarantine)
            ? Directory.GetFiles(quarantine, "*.jsonl").SelectMany(File.ReadAllLines).Select(Rejection).Order(StringComparer.Ordinal).ToList()
            : [];
        return new Outcome(r.ExitCode, r.Stderr, rows, rejections, await DataFilesAsync(f.Warehouse));
    }

    private static string Show(object? v) => v switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    // a rejection without its run id and time
    private static string Rejection(string jsonLine)
    {
        var o = System.Text.Json.Nodes.JsonNode.Parse(jsonLine)!.AsObject();
        return $"file={Path.GetFileName((string?)o["source"])} | " +
            string.Join(" | ", new[] { "position", "field", "reason", "raw" }.Select(k => $"{k}={o[k]?.ToJsonString()}"));
    }

    private static async Task<List<DataFile>> DataFilesAsync(string warehouse)
    {
        var catalog = Catalogs.Open(new CatalogOptions { Warehouse = warehouse });
        var t = await IcebergTables.OpenAsync(catalog, ObjectStores.Open(warehouse), new TableIdentifier("qa", "kinds"));
        return t.Metadata.CurrentSnapshot is null ? [] : [.. (await t.NewScan().PlanFilesAsync()).Select(x => x.File)];
    }

    // counts and bounds per field id, as text (one data file on each side)
    private static List<string> Metrics(List<DataFile> files) => [.. files.SelectMany(f =>
        f.ValueCounts!.Keys.Order().Select(id =>
            $"{id}: values={f.ValueCounts[id]} nulls={f.NullValueCounts?.GetValueOrDefault(id)} " +
            $"lower={Hex(f.LowerBounds, id)} upper={Hex(f.UpperBounds, id)}"))];

    private static string Hex(IReadOnlyDictionary<int, byte[]>? bounds, int id) =>
        bounds is not null && bounds.TryGetValue(id, out var b) ? Convert.ToHexString(b) : "-";
}
