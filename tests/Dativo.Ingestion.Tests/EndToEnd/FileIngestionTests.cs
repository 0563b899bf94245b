using Dativo.Testing;
using System.IO.Compression;
using System.Text;
using Dativo.Ingestion.Tests.Support;

namespace Dativo.Ingestion.Tests.EndToEnd;

public sealed class FileIngestionTests
{
    private const string Csv = "id,email,amount,paid,created\n1,a@x.com,10.50,yes,2024-01-01T10:00:00Z\n2,\"b,\"\"q\"\"@x.com\",3,off,2024-01-02 11:00:00\n3,NULL,0.1,1,2024-01-03\n";

    [Fact]
    public async Task Csv_to_iceberg_creates_table_with_types_partition_and_tags()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 0, r.All);
        var rows = await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id");
        Assert.Equal(3, rows.Count);
        Assert.Equal(1L, rows[0]["id"]);
        Assert.Equal(10.50m, rows[0]["amount"]);
        Assert.Equal(true, rows[0]["paid"]);
        Assert.Equal(new DateTime(2024, 1, 1, 10, 0, 0), rows[0]["created"]);
        Assert.Equal("b,\"q\"@x.com", rows[1]["email"]);
        Assert.Equal(false, rows[1]["paid"]);
        Assert.Null(rows[2]["email"]);
        Assert.NotNull(rows[0]["ingest_date"]);
        var meta = await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders");
        Assert.Equal("pii", meta.Properties["classification.fields.email"]);
        Assert.Equal("ingest_date", Assert.Single(meta.DefaultSpec.Fields).Name);
        Assert.True(meta.CurrentSchema.FindField("id")!.Required);
        Assert.Equal("decimal(12, 2)", meta.CurrentSchema.FindField("amount")!.Type.ToString());

        // The table is in the same catalog the other commands read.
        var show = await CliRunner.RunAsync(f.Path, ["table", "show", "sales.orders", "--json"]);
        Assert.True(show.ExitCode == 0, show.All);
        var count = await CliRunner.RunAsync(f.Path, ["table", "query", "sales.orders", "--sql", "SELECT count(*) AS n FROM t", "--json"]);
        Assert.True(count.ExitCode == 0, count.All);
        Assert.Contains("3", count.Stdout);
    }

    [Fact]
    public async Task Strict_mode_quarantines_bad_records_and_exits_2()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv + "x,c@x.com,1,true,2024-01-03\n5,d@x.com,1.234,true,2024-01-03\n6,e@x.com,1,maybe,2024-01-03\n");
        var job = f.Job("job.yaml", "csv", "data/a.csv");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal(3, (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders")).Count);
        var q = Directory.GetFiles(Path.Combine(f.Warehouse, "sales", "_quarantine", "orders"), "*.jsonl").Single();
        var lines = File.ReadAllLines(q);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains("\"position\":5") && l.Contains("\"field\":\"id\"") && l.Contains("type_mismatch"));
        Assert.Contains(lines, l => l.Contains("\"position\":6") && l.Contains("\"field\":\"amount\""));
        Assert.Contains(lines, l => l.Contains("\"position\":7") && l.Contains("\"field\":\"paid\""));
        Assert.Contains("rejected", r.Stdout);
    }

    [Fact]
    public async Task Warn_mode_keeps_invalid_records_with_raw_values_and_exits_1()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv + "7,c@x.com,abc,true,2024-01-03\n");
        var job = f.Job("job.yaml", "csv", "data/a.csv", "schema_validation_mode: warn");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 1, r.All);
        var rows = await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id");
        Assert.Equal(4, rows.Count);
        Assert.Null(rows[3]["amount"]);
        Assert.Equal("{\"amount\":\"abc\"}", rows[3]["_dativo_invalid"]);
        Assert.Null(rows[0]["_dativo_invalid"]);
    }

    [Fact]
    public async Task Rerun_reads_only_new_files_and_no_new_data_exits_0()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, ["run", "--config", job])).ExitCode);
        f.Write("data/b.csv", "id,email,amount,paid,created\n10,z@x.com,1,no,2024-02-01\n");
        var r2 = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r2.ExitCode == 0, r2.All);
        Assert.Contains("\"rows_read\":1,", r2.Stderr);
        var r3 = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r3.ExitCode == 0, r3.All);
        Assert.Contains("no new data", r3.Stdout);
        var ids = (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id")).Select(x => (long)x["id"]!).ToList();
        Assert.Equal([1L, 2L, 3L, 10L], ids);
    }

    [Fact]
    public async Task Gzip_csv_with_semicolons_and_latin1()
    {
        using var f = new JobFolder();
        var path = Path.Combine(f.Path, "data", "a.csv.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
            await gz.WriteAsync(Encoding.Latin1.GetBytes("id;email;amount;paid;created\n1;caf\u00e9@x.com;1;yes;2024-01-01\n"));
        var job = f.Job("job.yaml", "csv", "data/*.csv.gz", "");
        File.AppendAllText(job, "\n  options:\n    delimiter: \";\"\n    encoding: latin1\n");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("caf\u00e9@x.com", (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders")).Single()["email"]);
    }

    [Fact]
    public async Task Jsonl_source_with_bad_line_quarantined()
    {
        using var f = new JobFolder();
        f.Write("data/a.jsonl", "{\"id\": 1, \"email\": \"a@x.com\", \"amount\": 2.5, \"paid\": true, \"created\": \"2024-01-01T00:00:00+02:00\"}\n{not json\n{\"id\": 2}\n");
        var job = f.Job("job.yaml", "jsonl", "data/a.jsonl");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 2, r.All);
        var rows = await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id");
        Assert.Equal(2, rows.Count);
        Assert.Equal(new DateTime(2023, 12, 31, 22, 0, 0), rows[0]["created"]);
        var q = File.ReadAllText(Directory.GetFiles(Path.Combine(f.Warehouse, "sales", "_quarantine", "orders")).Single());
        Assert.Contains("invalid_json", q);
        Assert.Contains("\"position\":2", q);
    }

    [Fact]
    public async Task Parquet_source()
    {
        using var f = new JobFolder();
        Directory.CreateDirectory(Path.Combine(f.Path, "data"));
        using (var conn = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = $"COPY (SELECT i::BIGINT AS id, 'u' || i AS email, (i / 4)::DECIMAL(12,2) AS amount, i % 2 = 0 AS paid, TIMESTAMP '2024-01-01' + INTERVAL (i) HOUR AS created FROM range(1000) t(i)) TO '{f.Path}/data/p.parquet' (FORMAT PARQUET)";
            cmd.ExecuteNonQuery();
        }
        var job = f.Job("job.yaml", "parquet", "data/p.parquet");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 0, r.All);
        var files = await LakeReader.DataFilesAsync(f.Warehouse, "sales", "orders");
        Assert.Equal(1000, LakeReader.Scalar(files, "SELECT count(*) FROM read_parquet({files})"));
        Assert.Equal(124875, LakeReader.Scalar(files, "SELECT sum(amount)::BIGINT FROM read_parquet({files})"));
    }

    [Fact]
    public async Task Job_dir_isolates_failures_and_prints_one_summary()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var good = f.Job("jobs/good.yaml", "csv", "../data/a.csv");
        File.WriteAllText(good, File.ReadAllText(good).Replace("asset_path: contract.yaml", "asset_path: ../contract.yaml", StringComparison.Ordinal));
        f.Write("jobs/bad.yaml", File.ReadAllText(Path.Combine(f.Path, "jobs", "good.yaml")).Replace("../data/a.csv", "../data/missing.csv", StringComparison.Ordinal).Replace("tenant_id: acme", "tenant_id: acme\nname: bad_job", StringComparison.Ordinal));
        var r = await CliRunner.RunAsync(f.Path, ["run", "--job-dir", Path.Combine(f.Path, "jobs")]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal(3, (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders")).Count);
        Assert.Contains("bad_job", r.Stdout);
        Assert.Contains("source file not found", r.Stdout);
        Assert.Single(r.Stdout.Split('\n'), l => l.Contains("| job ", StringComparison.Ordinal));
    }
}
