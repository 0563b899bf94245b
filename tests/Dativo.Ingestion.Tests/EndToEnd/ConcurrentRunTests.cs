using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;
using System.Text;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>Two runs of one job at once never load a file twice (docs/guarantees.md "Concurrent runs").</summary>
public sealed class ConcurrentRunTests
{
    private static void WriteFiles(JobFolder f, int files, int rows)
    {
        for (var i = 0; i < files; i++)
        {
            var sb = new StringBuilder("id,email,amount,paid,created\n");
            for (var r = 0; r < rows; r++) sb.Append(i * rows + r).Append(",u@x.com,1.25,yes,2024-01-01T00:00:00\n");
            f.Write($"data/part-{i:00}.csv", sb.ToString());
        }
    }

    private static async Task AssertEachRowOnceAsync(JobFolder f, int expected)
    {
        var files = await LakeReader.DataFilesAsync(f.Warehouse, "sales", "orders");
        Assert.Equal(expected, LakeReader.Scalar(files, "SELECT count(*) FROM read_parquet({files})"));
        Assert.Equal(expected, LakeReader.Scalar(files, "SELECT count(DISTINCT id) FROM read_parquet({files})"));
    }

    [Fact]
    public async Task A_second_run_while_the_first_holds_the_job_fails_at_once_naming_the_holder()
    {
        using var f = new JobFolder();
        WriteFiles(f, 3, 1000);
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        var go = Path.Combine(f.Path, "go");
        using var first = CliRunner.Start(f.Path, ["run", "--config", job], [new("DATIVO_FAULTS", $"ingest.before-commit=wait:{go}")]);
        var firstOut = first.StandardOutput.ReadToEndAsync();
        var firstErr = first.StandardError.ReadToEndAsync();
        await WaitForFileAsync(go + ".waiting", first);

        var second = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.Equal(2, second.ExitCode);
        Assert.Contains("job acme/orders is already running on table sales.orders", second.All, StringComparison.Ordinal);
        Assert.Contains($"pid {first.Id}", second.All, StringComparison.Ordinal);

        File.WriteAllText(go, "");
        await first.WaitForExitAsync();
        Assert.True(first.ExitCode == 0, await firstOut + await firstErr);
        await AssertEachRowOnceAsync(f, 3000);

        // the claim is released: the next run starts (and finds nothing new)
        var third = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(third.ExitCode == 0, third.All);
        Assert.Contains("no new data", third.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// A run paused before its commit, then a second run with its own state store (so the lease, which lives in the state
    /// store, cannot see the first) that commits first; then the first goes on. Returns the first run's exit code and output.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> CommitUnderAnotherRunAsync(JobFolder f, string job)
    {
        var go = Path.Combine(f.Path, "go");
        using var slow = CliRunner.Start(f.Path, ["run", "--config", job],
            [new("DATIVO_FAULTS", $"ingest.before-commit=wait:{go}"), new("DATIVO_STATE_URI", Path.Combine(f.Path, "state-a.db"))]);
        var slowOut = slow.StandardOutput.ReadToEndAsync();
        var slowErr = slow.StandardError.ReadToEndAsync();
        await WaitForFileAsync(go + ".waiting", slow);
        var fast = await CliRunner.RunAsync(f.Path, ["run", "--config", job], [new("DATIVO_STATE_URI", Path.Combine(f.Path, "state-b.db"))]);
        Assert.True(fast.ExitCode == 0, fast.All);
        File.WriteAllText(go, "");
        await slow.WaitForExitAsync();
        return (slow.ExitCode, await slowOut + await slowErr);
    }

    [Fact]
    public async Task Runs_that_do_not_share_a_state_store_cannot_both_commit_the_same_files()
    {
        // the commit's compare-and-set on the job state in the table is what must refuse the second commit
        using var f = new JobFolder();
        WriteFiles(f, 3, 1000);
        var (code, output) = await CommitUnderAnotherRunAsync(f, f.Job("job.yaml", "csv", "data/*.csv"));
        Assert.True(code == 2, output);
        Assert.Contains("another run of this job committed", output, StringComparison.Ordinal);
        await AssertEachRowOnceAsync(f, 3000);
        // the refused run removed the data files it wrote: every data file left is one the table references
        Assert.Equal((await LakeReader.DataFilesAsync(f.Warehouse, "sales", "orders")).Count,
            Directory.GetFiles(f.Warehouse, "*.parquet", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Parquet_dataset_runs_that_do_not_share_a_state_store_cannot_both_publish_the_same_files()
    {
        using var f = new JobFolder();
        WriteFiles(f, 2, 500);
        var (code, output) = await CommitUnderAnotherRunAsync(f, f.Job("job.yaml", "csv", "data/*.csv", target: "parquet"));
        Assert.True(code == 2, output);
        Assert.Contains("another run of this job published", output, StringComparison.Ordinal);
        var files = await LakeReader.DatasetFilesAsync(f.Warehouse, "sales", "orders");
        Assert.Equal(1000, LakeReader.Scalar(files, "SELECT count(*) FROM read_parquet({files}, hive_partitioning=false)"));
        Assert.Equal(1000, LakeReader.Scalar(files, "SELECT count(DISTINCT id) FROM read_parquet({files}, hive_partitioning=false)"));
    }

    [Fact]
    public async Task Runs_started_at_the_same_instant_load_every_row_exactly_once()
    {
        using var f = new JobFolder();
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        var expected = 0;
        for (var round = 0; round < 3; round++)
        {
            var sb = new StringBuilder("id,email,amount,paid,created\n");
            for (var r = 0; r < 2000; r++) sb.Append(round * 2000 + r).Append(",u@x.com,1.25,yes,2024-01-01T00:00:00\n");
            f.Write($"data/round-{round}.csv", sb.ToString());
            expected += 2000;
            var runs = Enumerable.Range(0, 3).Select(_ => CliRunner.RunAsync(f.Path, "run", "--config", job)).ToList();
            var results = await Task.WhenAll(runs);
            foreach (var r in results)
                Assert.True(r.ExitCode == 0 || r.All.Contains("is already running", StringComparison.Ordinal), r.All);
            Assert.Contains(results, r => r.ExitCode == 0);
            await AssertEachRowOnceAsync(f, expected);
        }
    }

    [Fact]
    public async Task Two_pipeline_runs_of_a_job_pipeline_with_different_correlation_ids_load_each_file_once()
    {
        using var f = new JobFolder();
        WriteFiles(f, 2, 1000);
        f.Job("job.yaml", "csv", "data/*.csv");
        f.Write("pipeline.yaml", """
            name: ingest
            tasks:
              - name: load
                type: job
                job: job.yaml
            """);
        var go = Path.Combine(f.Path, "go");
        using var first = CliRunner.Start(f.Path, ["pipeline", "run", "pipeline.yaml", "--correlation-id", "one"],
            [new("DATIVO_FAULTS", $"ingest.before-commit=wait:{go}")]);
        var firstOut = first.StandardOutput.ReadToEndAsync();
        var firstErr = first.StandardError.ReadToEndAsync();
        await WaitForFileAsync(go + ".waiting", first);

        var second = await CliRunner.RunAsync(f.Path, "pipeline", "run", "pipeline.yaml", "--correlation-id", "two");
        Assert.Equal(2, second.ExitCode);
        Assert.Contains("is already running", second.All, StringComparison.Ordinal);

        File.WriteAllText(go, "");
        await first.WaitForExitAsync();
        Assert.True(first.ExitCode == 0, await firstOut + await firstErr);
        await AssertEachRowOnceAsync(f, 2000);
    }

    internal static async Task WaitForFileAsync(string path, System.Diagnostics.Process p)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (!File.Exists(path))
        {
            Assert.False(p.HasExited, $"the process exited ({(p.HasExited ? p.ExitCode : 0)}) before reaching the fault point");
            await Task.Delay(20, cts.Token);
        }
    }
}
