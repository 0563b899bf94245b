using Dativo.Testing;
using System.Text;
using Dativo.Core.Config.Jobs;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Dativo.Ingestion.Targets;
using Dativo.Ingestion.Tests.Support;
using Dativo.Lake.Datasets;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary><c>target_connector: parquet</c>: a Hive-style Parquet dataset at &lt;warehouse&gt;/&lt;namespace&gt;/&lt;table&gt;, published by manifests.</summary>
public sealed class ParquetTargetTests
{
    private const string Header = "id,email,amount,paid,created\n";
    private const string Csv = Header + "1,a@x.com,10.50,yes,2024-01-01T10:00:00Z\n2,\"b,\"\"q\"\"@x.com\",3,off,2024-01-02 11:00:00\n3,NULL,0.1,1,2024-01-03\n";

    private static string Job(JobFolder f, string target) => f.Job("job.yaml", "csv", "data/*.csv", "target:\n" + target, target: "parquet");

    private static string Root(JobFolder f) => Path.Combine(f.Warehouse, "sales", "orders");

    private static ParquetDataset Dataset(JobFolder f) => ParquetDataset.Open(ObjectStores.Open(f.Warehouse), "sales/orders");

    private static async Task<List<long>> IdsAsync(JobFolder f) =>
        [.. (await LakeReader.DatasetRowsAsync(f.Warehouse, "sales", "orders", "id")).Select(r => (long)r["id"]!)];

    [Fact]
    public async Task Csv_to_partitioned_dataset_reads_back_equal_with_tags_and_state_in_the_manifest()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var job = Job(f, "  partitioning: [ingest_date, paid]");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 0, r.All);

        var rows = await LakeReader.DatasetRowsAsync(f.Warehouse, "sales", "orders", "id");
        Assert.Equal(3, rows.Count);
        Assert.Equal([1L, 2L, 3L], rows.Select(x => (long)x["id"]!));
        Assert.Equal(["a@x.com", "b,\"q\"@x.com", null], rows.Select(x => (string?)x["email"]));
        Assert.Equal([10.50m, 3m, 0.1m], rows.Select(x => (decimal)x["amount"]!));
        Assert.Equal([true, false, true], rows.Select(x => (bool)x["paid"]!));
        Assert.Equal([new DateTime(2024, 1, 1, 10, 0, 0), new DateTime(2024, 1, 2, 11, 0, 0), new DateTime(2024, 1, 3)], rows.Select(x => (DateTime)x["created"]!));
        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(rows, x => Assert.NotNull(x["ingest_date"]));

        var state = await Dataset(f).CurrentAsync();
        Assert.Equal(["ingest_date", "paid"], state.PartitionColumns);
        Assert.Equal(2, state.Files.Count);
        Assert.All(state.Files, x => Assert.Matches($@"^ingest_date={today}/paid=(true|false)/part-[0-9a-f]{{32}}\.parquet$", x.Path));
        Assert.All(state.Files, x => Assert.True(File.Exists(Path.Combine(Root(f), x.Path))));
        var manifest = Assert.Single(await Dataset(f).ManifestsAsync());
        Assert.Equal(DatasetWriteMode.Append, manifest.Mode);
        Assert.Equal("pii", manifest.Properties["classification.fields.email"]);
        Assert.Contains("data/a.csv", manifest.Properties["dativo.state.acme.orders"], StringComparison.Ordinal);
        Assert.Contains(Root(f), r.Stdout + r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rerun_with_a_new_file_appends_only_the_new_rows()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var job = Job(f, "  partitioning: [ingest_date]");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, ["run", "--config", job])).ExitCode);
        f.Write("data/b.csv", Header + "10,z@x.com,1,no,2024-02-01\n11,y@x.com,2,yes,2024-02-02\n");
        var r2 = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r2.ExitCode == 0, r2.All);
        Assert.Contains("\"rows_read\":2,", r2.Stderr, StringComparison.Ordinal);
        var r3 = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r3.ExitCode == 0, r3.All);
        Assert.Contains("no new data", r3.Stdout, StringComparison.Ordinal);
        Assert.Equal([1L, 2L, 3L, 10L, 11L], await IdsAsync(f));
        Assert.Equal(2, (await Dataset(f).ManifestsAsync()).Count); // the no-data run published nothing
    }

    [Fact]
    public async Task Overwrite_partitions_replaces_the_partitions_in_the_new_data_only()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv); // paid: true (1, 3), false (2)
        var job = Job(f, "  partitioning: [paid]\n  mode: overwrite_partitions");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, ["run", "--config", job])).ExitCode);
        // overwrite_partitions reads the whole source every run (docs/ingestion.md "Target"): the partitions of all rows read
        // are replaced by exactly those rows, so a row whose file is still in the source is never dropped
        f.Write("data/b.csv", Header + "20,n@x.com,5,no,2024-03-01\n21,m@x.com,6,false,2024-03-02\n");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal([1L, 2L, 3L, 20L, 21L], await IdsAsync(f));
        var last = (await Dataset(f).ManifestsAsync())[^1];
        Assert.Equal(DatasetWriteMode.OverwritePartitions, last.Mode);
        Assert.Equal(["paid=false", "paid=true"], last.ReplacedPartitions.Order(StringComparer.Ordinal));
        // the replaced files are no longer published but stay on disk until the orphan cleanup
        Assert.Equal(2, (await Dataset(f).FindOrphanFilesAsync(TimeSpan.Zero)).Count);

        // the source loses b.csv's paid=false rows and a.csv is unchanged: paid=false now holds a.csv's row only
        File.Delete(Path.Combine(f.Path, "data", "b.csv"));
        r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal([1L, 2L, 3L], await IdsAsync(f));
    }

    [Fact]
    public async Task Changed_partitioning_or_column_type_is_a_user_error()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var job = Job(f, "  partitioning: [paid]");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, ["run", "--config", job])).ExitCode);
        f.Write("data/b.csv", Header + "10,z@x.com,1,no,2024-02-01\n");
        File.WriteAllText(job, File.ReadAllText(job).Replace("partitioning: [paid]", "partitioning: [ingest_date]", StringComparison.Ordinal));
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains("is partitioned by (paid)", r.All, StringComparison.Ordinal);

        File.WriteAllText(job, File.ReadAllText(job).Replace("partitioning: [ingest_date]", "partitioning: [paid]", StringComparison.Ordinal));
        f.Write("contract.yaml", JobFolder.OrdersContract.Replace("type: boolean", "type: string", StringComparison.Ordinal));
        r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains("column 'paid' is boolean in dataset", r.All, StringComparison.Ordinal);
        Assert.Equal([1L, 2L, 3L], await IdsAsync(f)); // nothing published by the refused runs
    }

    [Fact]
    public async Task Strict_rejections_are_quarantined_exit_2_and_the_valid_rows_published()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv + "x,c@x.com,1,true,2024-01-03\n");
        var job = Job(f, "  partitioning: [ingest_date]");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Equal([1L, 2L, 3L], await IdsAsync(f));
        var q = Directory.GetFiles(Path.Combine(f.Warehouse, "sales", "_quarantine", "orders"), "*.jsonl").Single();
        Assert.Contains("\"field\":\"id\"", File.ReadAllText(q), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_without_publish_leaves_nothing_visible_and_the_next_run_reads_everything()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var job = Job(f, "  partitioning: [ingest_date, paid]");
        var loaded = JobLoader.Load(job);
        // the run dies between writing data files and publishing the manifest: simulated through the target API
        await using (var t = await ParquetDatasetTarget.OpenAsync(loaded, TargetLocation.Of(loaded, f.Path), TargetSchema.For(loaded), TimeProvider.System, default))
        {
            var b = new ColumnBatch(t.Schema, 1) { Count = 1 };
            ((long?[])b.Data[t.Schema.IndexOf("id")])[0] = -1;
            ((DateOnly?[])b.Data[t.Schema.IndexOf("ingest_date")])[0] = new DateOnly(2024, 1, 1);
            await t.WriteAsync(b, default);
            Assert.Null(t.CommittedState);
        }
        Assert.Empty(await Dataset(f).ManifestsAsync());
        Assert.Equal(0, (await Dataset(f).CurrentAsync()).RecordCount);

        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal([1L, 2L, 3L], await IdsAsync(f));
    }

    [Fact]
    public async Task Killed_runs_publish_nothing_partial_and_a_rerun_writes_every_row_once()
    {
        using var f = new JobFolder();
        const int files = 12, rowsPerFile = 20_000;
        for (var i = 0; i < files; i++)
        {
            var sb = new StringBuilder(Header);
            for (var r = 0; r < rowsPerFile; r++) sb.Append(i * rowsPerFile + r).Append(",u@x.com,1.25,").Append(r % 2 == 0 ? "yes" : "no").Append(",2024-01-01T00:00:00\n");
            f.Write($"data/part-{i:00}.csv", sb.ToString());
        }
        var job = Job(f, "  partitioning: [ingest_date, paid]");
        var rnd = new Random(7);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var p = CliRunner.Start(f.Path, ["run", "--config", job]);
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(rnd.Next(200, 2500)));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(entireProcessTree: true); await p.WaitForExitAsync(); }
            // one run = one manifest: either nothing or everything is visible, never a part
            var visible = (await Dataset(f).CurrentAsync()).RecordCount;
            Assert.True(visible is 0 or files * rowsPerFile, $"attempt {attempt}: {visible} rows visible");
        }

        var final = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(final.ExitCode == 0, final.All);
        var published = await LakeReader.DatasetFilesAsync(f.Warehouse, "sales", "orders");
        Assert.Equal(files * rowsPerFile, LakeReader.Scalar(published, "SELECT count(*) FROM read_parquet({files}, hive_partitioning=false)"));
        Assert.Equal(files * rowsPerFile, LakeReader.Scalar(published, "SELECT count(DISTINCT id) FROM read_parquet({files}, hive_partitioning=false)"));
    }
}
