using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>target.mode on Iceberg tables: append (default), overwrite and overwrite_partitions (docs/guarantees.md).</summary>
public sealed class WriteModeTests
{
    private const string Header = "id,email,amount,paid,created\n";

    private static string Rows(params (int Id, string Day)[] rows) =>
        Header + string.Concat(rows.Select(r => $"{r.Id},u{r.Id}@x.com,1.00,yes,{r.Day}T10:00:00\n"));

    [Fact]
    public async Task Append_is_the_default_mode_and_a_rerun_of_unchanged_files_adds_nothing()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Rows((1, "2024-01-01"), (2, "2024-01-02")));
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, "run", "--config", job)).ExitCode);
        f.Write("data/b.csv", Rows((3, "2024-01-03")));
        var again = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal([1L, 2L, 3L], (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id")).Select(r => (long)r["id"]!));
        var meta = await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders");
        Assert.All(meta.Snapshots, s => Assert.Equal("append", s.Summary["operation"]));
    }

    [Fact]
    public async Task Overwrite_mode_replaces_every_row_with_what_the_run_read()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Rows((1, "2024-01-01"), (2, "2024-01-02"), (3, "2024-01-03")));
        var job = f.Job("job.yaml", "csv", "data/*.csv", extra: "target:\n  mode: overwrite");
        var first = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(first.ExitCode == 0, first.All);

        // a rerun over the same files reads them again (overwrite reads the whole source) and leaves the same rows, not twice
        var same = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(same.ExitCode == 0, same.All);
        Assert.Equal([1L, 2L, 3L], (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id")).Select(r => (long)r["id"]!));

        f.Write("data/a.csv", Rows((7, "2024-02-01"), (8, "2024-02-02")));
        var replaced = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(replaced.ExitCode == 0, replaced.All);
        Assert.Equal([7L, 8L], (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id")).Select(r => (long)r["id"]!));
        var meta = await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders");
        Assert.Equal("overwrite", meta.CurrentSnapshot!.Summary["operation"]);
    }

    [Fact]
    public async Task Overwrite_partitions_replaces_exactly_the_partitions_present_in_the_run()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Rows((1, "2024-01-01"), (2, "2024-01-02"), (3, "2024-01-02")));
        var job = f.Job("job.yaml", "csv", "data/*.csv", extra: "target:\n  mode: overwrite_partitions\n  partitioning: [\"day(created)\"]");
        var first = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(first.ExitCode == 0, first.All);

        // the source now holds 2024-01-02 (changed) and 2024-01-03 (new): 2024-01-01 stays, 2024-01-02 is replaced
        f.Write("data/a.csv", Rows((20, "2024-01-02"), (30, "2024-01-03")));
        var second = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(second.ExitCode == 0, second.All);
        Assert.Equal([1L, 20L, 30L], (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id")).Select(r => (long)r["id"]!));
        var meta = await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders");
        Assert.Equal("true", meta.CurrentSnapshot!.Summary["replace-partitions"]);
    }

    [Fact]
    public async Task Overwrite_with_records_rejected_in_strict_mode_commits_nothing()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Rows((1, "2024-01-01"), (2, "2024-01-02")));
        var job = f.Job("job.yaml", "csv", "data/*.csv", extra: "target:\n  mode: overwrite");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, "run", "--config", job)).ExitCode);
        f.Write("data/a.csv", Rows((5, "2024-01-05")) + "not-a-number,x@x.com,1,yes,2024-01-05\n");
        var r = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nothing was committed", r.All, StringComparison.Ordinal);
        Assert.Equal([1L, 2L], (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id")).Select(r => (long)r["id"]!));
    }

    [Fact]
    public async Task Overwrite_with_incremental_reads_is_refused_by_check()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Rows((1, "2024-01-01")));
        var job = f.Job("job.yaml", "csv", "data/*.csv", extra: "target:\n  mode: overwrite_partitions");
        var text = File.ReadAllText(job).Replace("    - path: data/*.csv", "    - path: data/*.csv\n  incremental:\n    strategy: file_modified_time", StringComparison.Ordinal);
        Assert.Contains("incremental", text, StringComparison.Ordinal);
        File.WriteAllText(job, text);
        var r = await CliRunner.RunAsync(f.Path, "check", "--config", job);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("target.mode", r.All, StringComparison.Ordinal);
        Assert.Contains("earlier rows would be lost", r.All, StringComparison.Ordinal);
    }
}
