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
            ("d", ".5"), ("d", "5."), ("d", "1e400"), ("d", "1e-400"), ("d", "0e5"), ("d", "-0.0"), ("d", "0.000"), ("d", "NaN"), ("d", "inf"), ("d", "-Infinity"), ("d", "1_0.5"), ("d", " 2.5 "), ("d", "-0"), ("d", "0x10"),
            ("m", "1.234"), ("m", "1.2"), ("m", "1e2"), ("m", "1_0.5"), ("m", " 1.5 "), ("m", "+.5"), ("m", "12345678901.1"), ("m", "."), ("m", "-"), ("m", "1.235e1"),
            ("m", "5."), ("m", "-0.5"), ("m", "-.5"), ("m", "0"), ("m", "-0"), ("m", "0.120"), ("m", "007.5"), ("m", "1.50"), ("m", "12"), ("m", "1.0_5"), ("m", "1e-400"), ("m", "0e-400"), ("m", "1.000000000000000000000000000001"),
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
            files[$"data/v{i:D3}.csv"] = Header + "\n" + Row(i + 100, cases[i].Column, cases[i].Value) + "\n";
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
            ["data/wrong_count.csv"] = $"{Header}\n{Row(30, "l", "1")}\n{Row(31, "l", "2")},3\n{Row(32, "l", "3")}\n",
            ["data/blank_line.csv"] = $"{Header}\n{Row(40, "l", "1")}\n\n{Row(41, "l", "2")}\n",
            ["data/bom.csv"] = $"\uFEFF{Header}\n{Row(50, "l", "1")}\n",
            ["data/upper_header.csv"] = $"{Header.ToUpperInvariant()},extra\n{Row(60, "l", "1")},x\n",
            ["data/header_only.csv"] = $"{Header}\n",
            ["data/no_newline_at_end.csv"] = $"{Header}\n{Row(70, "l", "7")}",
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
        "id;s;l\n1;'a;b';5\n2;'it''s';6\n3;'';7\n4;NULL;8\n", ThreeColumns)]
    public async Task Csv_options_give_the_same_result_on_both_paths(string options, string text, string contract = Contract)
    {
        var files = new Dictionary<string, string> { ["data/a.csv"] = text };
        var (bulk, rowPath) = (await RunAsync(files, "", options, [], bulk: true, contract: contract), await RunAsync(files, "", options, [], bulk: false, contract: contract));
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
        // every file has every contract column (a file lacking one fails a strict run): typed nulls where the data has none
        foreach (var (name, present) in new[] { ("widening", "id,l,n,d,m,ts"), ("narrowing", "id,n"), ("null_required", "id,s"), ("nanos", "id,ts"), ("scale", "id,m") })
            files[name] = WithNullColumns(files[name], present.Split(','));
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

    /// <summary>Numbers whose non-zero digits a parser would drop (underflow to 0, rounding past 28 digits, overflow to infinity) are rejected, not stored changed.</summary>
    [Fact]
    public async Task Numbers_that_would_lose_digits_are_rejected_on_both_paths()
    {
        var cases = new (string Column, string Value)[]
        {
            ("m", "1e-400"), ("m", "-1e-400"), ("m", "1e-3"), ("m", "0.0000000000000000000000000000001"), ("m", "1.00000000000000000000000000001"),
            ("big", "123456789012345678901234567.891"), ("big", "1e-400"), ("big", "0.00000000000000000000000000000000000001"),
            ("l", "1e-400"), ("l", "1.00000000000000000000000000001"), ("n", "1e-400"),
            ("d", "1e-400"), ("d", "-1e-400"), ("d", "1e999"), ("d", "-1e999"),
        };
        var files = new Dictionary<string, string>();
        for (var i = 0; i < cases.Length; i++)
            files[$"data/v{i:D3}.csv"] = Header + "\n" + Row(i + 100, cases[i].Column, cases[i].Value) + "\n" + Row(i + 500, cases[i].Column, "0") + "\n";
        var (bulk, rows) = await BothAsync(files, "");
        foreach (var run in new[] { bulk, rows })
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Equal(cases.Select((_, i) => (i + 500).ToString(CultureInfo.InvariantCulture)), run.Rows.Select(r => Field(r, "id")));
            Assert.Equal(cases.Select((c, i) => $"file=v{i:D3}.csv | position=2 | field=\"{c.Column}\""), run.Rejections.Select(r => r[..r.IndexOf(" | reason", StringComparison.Ordinal)]));
        }
        Assert.Equal(rows.Rejections, bulk.Rejections);
    }

    /// <summary>
    /// Bytes that are not UTF-8 reject their record (with the bytes and their offset; U+FFFD was stored before), and a NUL
    /// character is an invalid value (.NET's number parsers even skip a trailing one): the same on both paths, in both modes.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("schema_validation_mode: warn")]
    public async Task Invalid_utf8_and_nul_characters_are_rejected_not_stored_on_both_paths(string mode)
    {
        static byte[] Csv(params string[] rows) => Encoding.Latin1.GetBytes(Header + "\n" + string.Join("\n", rows) + "\n");
        var binary = new (string, byte[])[]
        {
            ("data/utf8_string.csv", Csv(Row(1, "s", "caf\u00e9"), Row(2, "s", "fine"))),
            ("data/utf8_number.csv", Csv(Row(3, "l", "1\u00ff"), Row(4, "l", "4"))),
            ("data/utf8_quoted_lines.csv", Csv(Row(5, "s", "\"two\nlines \u00e9\""), Row(6, "s", "ok"))),
            ("data/nul_string.csv", Csv(Row(7, "s", "a\0b"), Row(8, "s", "ok"))),
            ("data/nul_numbers.csv", Csv(Row(9, "l", "12\0"), Row(10, "d", "1.5\0"), Row(11, "dt", "2024-01-01\0"), Row(12, "m", "1.5\0"), Row(13, "l", "13"))),
            ("data/utf8_bom.csv", [0xEF, 0xBB, 0xBF, .. Csv(Row(14, "s", "x\u00e9"), Row(15, "s", "ok"))]),
        };
        var bulk = await RunAsync([], mode, "", binary, bulk: true);
        var rows = await RunAsync([], mode, "", binary, bulk: false);
        Assert.Equal(rows.Rows, bulk.Rows);
        Assert.Equal(rows.Rejections, bulk.Rejections);
        var warn = mode.Length > 0;
        Assert.Equal(warn ? 1 : 2, bulk.ExitCode);
        Assert.Equal(rows.ExitCode, bulk.ExitCode);
        // undecodable bytes: the record is left out in both modes (like a JSON line that is not valid UTF-8)
        Assert.Equal(warn ? ["2", "4", "6", "7", "8", "9", "10", "11", "12", "13", "15"] : ["2", "4", "6", "8", "13", "15"], bulk.Rows.Select(r => Field(r, "id")));
        Assert.DoesNotContain(bulk.Rows, r => r.Contains('\uFFFD', StringComparison.Ordinal) || r.Contains('\0', StringComparison.Ordinal));
        var rejected = string.Join("\n", bulk.Rejections);
        var offset = Header.Length + 1 + Row(1, "s", "caf").Length;
        Assert.Contains($"file=utf8_string.csv | position=2 | field=\"s\" | reason=\"invalid_encoding\" | raw=\"caf\\\\xE9; bytes not valid in the file", rejected);
        Assert.Contains($"E9 at byte {offset}\"", rejected);
        Assert.Contains("file=utf8_number.csv | position=2 | field=\"l\" | reason=\"invalid_encoding\"", rejected);
        Assert.Contains("file=utf8_quoted_lines.csv | position=2 | field=\"s\" | reason=\"invalid_encoding\"", rejected);
        Assert.Contains($"file=utf8_bom.csv | position=2 | field=\"s\" | reason=\"invalid_encoding\" | raw=\"x\\\\xE9; bytes not valid in the file", rejected);
        Assert.Contains($"E9 at byte {3 + Header.Length + 1 + Row(14, "s", "x").Length}\"", rejected);
        foreach (var (position, field) in new[] { (2, "s"), (2, "l"), (3, "d"), (4, "dt"), (5, "m") })
            Assert.Contains($"file=nul_{(field == "s" ? "string" : "numbers")}.csv | position={position} | field=\"{field}\" | reason=\"nul_character\"", rejected);
        if (warn) Assert.Contains(bulk.Rows, r => Field(r, "id") == "7" && Field(r, "s") == "null" && Field(r, "_dativo_invalid").Contains("a\\u0000b", StringComparison.Ordinal));
    }

    /// <summary>
    /// A contract column the file lacks (renamed in the source) loaded as nulls without a word. Strict: the run fails
    /// naming the column and the file's columns. Warn: the file loads with the column null and a quarantine entry
    /// (missing_column, kept). The same on both paths, for CSV and Parquet.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("schema_validation_mode: warn")]
    public async Task A_contract_column_missing_from_a_file_fails_strict_runs_and_warns_in_warn_mode(string mode)
    {
        var renamed = Header.Replace(",m,", ",amount,", StringComparison.Ordinal);
        var csv = new Dictionary<string, string>
        {
            ["data/ok.csv"] = $"{Header}\n{Row(1, "m", "1.50")}\n",
            ["data/renamed.csv"] = $"{renamed}\n{Row(2, "m", "2.50")}\n{Row(3, "m", "3.50")}\n",
        };
        byte[] parquet;
        using (var dir = new TempDir())
        await using (var engine = await DuckDbEngine.OpenAsync(threads: 1))
        {
            var path = Path.Combine(dir.Path, "p.parquet");
            await engine.ExecuteAsync($"COPY ({WithNullColumns("SELECT 4::BIGINT AS id, 'x' AS text", "id")} ) TO '{path}' (FORMAT parquet)");
            parquet = File.ReadAllBytes(path);
        }
        var warn = mode.Length > 0;
        foreach (var bulk in new[] { true, false })
        {
            var run = await RunAsync(csv, mode, "", [], bulk, fails: !warn);
            var pq = await RunAsync([], mode, "", [("data/p.parquet", parquet)], bulk, "parquet", ParquetContract.Replace("{name: s, type: string}", "{name: s, type: string}\n  - {name: t, type: string}", StringComparison.Ordinal), fails: !warn);
            if (!warn)
            {
                Assert.Contains($"renamed.csv: the contract's column 'm' is not in the file's header: {renamed.Replace(",", ", ", StringComparison.Ordinal)}. A renamed source column would load as nulls", run.Log);
                Assert.Contains("p.parquet: the contract's column 't' is not in the file's columns: id, text, l, n, d, m, b, dt, ts, s.", pq.Log);
                continue;
            }
            Assert.Equal(1, run.ExitCode);
            Assert.Equal(["1.50", "null", "null"], run.Rows.Select(r => Field(r, "m")));
            Assert.Equal([$"file=renamed.csv | position=1 | field=\"m\" | reason=\"missing_column\" | raw=\"not in the file\\u0027s header: {renamed.Replace(",", ", ", StringComparison.Ordinal)}; loaded as null\""], run.Rejections);
            Assert.Equal(1, pq.ExitCode);
            Assert.Equal(["null"], pq.Rows.Select(r => Field(r, "t")));
            Assert.Equal(["file=p.parquet | position=0 | field=\"t\" | reason=\"missing_column\""], pq.Rejections.Select(r => r[..r.IndexOf(" | raw", StringComparison.Ordinal)]));
        }
    }

    /// <summary>Two header columns matching one contract column (ignoring case, as columns are matched) would drop one's values: the run fails naming both.</summary>
    [Fact]
    public async Task Duplicate_header_columns_for_a_contract_column_fail_the_run_naming_both()
    {
        var duplicate = new Dictionary<string, string> { ["data/dup.csv"] = $"{Header},S\n{Row(1, "s", "a")},b\n" };
        // columns the contract does not have are not read: duplicates among them do not matter
        var unread = new Dictionary<string, string> { ["data/extra.csv"] = $"{Header},extra,EXTRA\n{Row(1, "s", "a")},b,c\n" };
        foreach (var bulk in new[] { true, false })
        {
            var run = await RunAsync(duplicate, "", "", [], bulk, fails: true);
            Assert.Contains("dup.csv: the file's header has both 's' (column 12) and 'S' (column 13), which both match the contract's column 's'", run.Log);
            var fine = await RunAsync(unread, "", "", [], bulk);
            Assert.Equal(0, fine.ExitCode);
            Assert.Equal(["a"], fine.Rows.Select(r => Field(r, "s")));
        }
    }

    /// <summary>A NUL character in a Parquet string is rejected by the row path; the bulk path, which copies strings, must not store it either.</summary>
    [Fact]
    public async Task Nul_characters_in_parquet_strings_are_rejected_on_both_paths()
    {
        byte[] parquet;
        using (var dir = new TempDir())
        await using (var engine = await DuckDbEngine.OpenAsync(threads: 1))
        {
            var path = Path.Combine(dir.Path, "p.parquet");
            await engine.ExecuteAsync($"COPY ({WithNullColumns("SELECT i::BIGINT AS id, CASE WHEN i = 1 THEN 'a' || chr(0) || 'b' ELSE 'ok' END AS s FROM range(0, 3) t(i)", "id", "s")}) TO '{path}' (FORMAT parquet)");
            parquet = File.ReadAllBytes(path);
        }
        var bulk = await RunAsync([], "", "", [("data/p.parquet", parquet)], bulk: true, "parquet", ParquetContract);
        var rows = await RunAsync([], "", "", [("data/p.parquet", parquet)], bulk: false, "parquet", ParquetContract);
        Assert.Equal(2, bulk.ExitCode);
        Assert.Equal(rows.Rows, bulk.Rows);
        Assert.Equal(rows.Rejections, bulk.Rejections);
        Assert.Equal(["0", "2"], bulk.Rows.Select(r => Field(r, "id")));
        Assert.Equal(["file=p.parquet | position=2 | field=\"s\" | reason=\"nul_character\""], bulk.Rejections.Select(r => r[..r.IndexOf(" | raw", StringComparison.Ordinal)]));
        Assert.Contains("dativo-bulk-fallback: s: NUL character", bulk.Log);
    }

    /// <summary>A record of <see cref="Header"/> with <paramref name="value"/> in <paramref name="column"/> and the other columns empty.</summary>
    private static string Row(int id, string column, string value) =>
        string.Join(",", Header.Split(',').Select(c => c == "id" ? id.ToString(CultureInfo.InvariantCulture) : c == column ? value : ""));

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

    private const string ThreeColumns = """
        apiVersion: v3.0.2
        kind: DataContract
        name: kinds
        version: "1.0"
        domain: qa
        schema:
          - {name: id, type: bigint, required: true}
          - {name: s, type: string}
          - {name: l, type: bigint}
        team:
          owner: qa@acme.com
        """;

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

    private static readonly (string Name, string Type)[] ParquetColumns =
        [("id", "BIGINT"), ("l", "BIGINT"), ("n", "INTEGER"), ("d", "DOUBLE"), ("m", "DECIMAL(12,2)"), ("b", "BOOLEAN"), ("dt", "DATE"), ("ts", "TIMESTAMP"), ("s", "VARCHAR")];

    /// <summary><paramref name="sql"/> with a typed null column for each column of <see cref="ParquetContract"/> not in <paramref name="present"/>.</summary>
    private static string WithNullColumns(string sql, params string[] present) =>
        $"SELECT *, {string.Join(", ", ParquetColumns.Where(c => !present.Contains(c.Name, StringComparer.OrdinalIgnoreCase)).Select(c => $"NULL::{c.Type} AS {c.Name}"))} FROM ({sql})";

    private static string WithId(string row, int id) => id.ToString(CultureInfo.InvariantCulture) + row[row.IndexOf(',', StringComparison.Ordinal)..];

    private sealed record Outcome(int ExitCode, string Log, List<string> Rows, List<string> Rejections, List<DataFile> Files);

    private static async Task<(Outcome Bulk, Outcome Rows)> BothAsync(Dictionary<string, string> files, string mode, params (string Path, byte[] Bytes)[] binary) =>
        await BothAsync(files, mode, "", binary);

    private static async Task<(Outcome Bulk, Outcome Rows)> BothAsync(Dictionary<string, string> files, string mode, string options, params (string Path, byte[] Bytes)[] binary) =>
        (await RunAsync(files, mode, options, binary, bulk: true), await RunAsync(files, mode, options, binary, bulk: false));

    private static async Task<Outcome> RunAsync(Dictionary<string, string> files, string mode, string options, (string Path, byte[] Bytes)[] binary, bool bulk,
        string connector = "csv", string contract = Contract, bool fails = false)
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
        if (fails)
        {
            // the run failed as a whole: nothing of it is committed
            Assert.True(r.ExitCode == 2 && r.Stderr.Contains("job_failed", StringComparison.Ordinal), r.All);
            Assert.Empty(await LakeReader.RowsAsync(f.Warehouse, "qa", "kinds", "id"));
            var error = r.Stderr.Split('\n').Where(l => l.Contains("\"job_failed\"", StringComparison.Ordinal))
                .Select(l => (string?)System.Text.Json.Nodes.JsonNode.Parse(l)!["error"]).Single();
            return new Outcome(r.ExitCode, error ?? r.All, [], [], []);
        }
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
            string.Join(" | ", new[] { ("position", "position"), ("field", "field"), ("reason", "reason"), ("raw", "raw_value") }.Select(k => $"{k.Item1}={o[k.Item2]?.ToJsonString()}"));
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
