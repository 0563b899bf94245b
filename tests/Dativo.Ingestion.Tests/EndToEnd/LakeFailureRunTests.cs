using System.Text;
using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;
using Microsoft.Data.Sqlite;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>
/// <c>dativo run</c> against a lake that fails under it: a full disk (a real ENOSPC on a small tmpfs), a table that lost a
/// manifest, and two runs creating the same new table at once.
/// </summary>
public sealed class LakeFailureRunTests
{
    private static string Csv(int first, int count, int seed)
    {
        var r = new Random(seed);
        var sb = new StringBuilder("id,email,amount,paid,created\n");
        for (var i = first; i < first + count; i++)
            sb.Append(i).Append(',').Append(new string([.. Enumerable.Range(0, 12).Select(_ => (char)('a' + r.Next(26)))]))
              .Append("@example.com,").Append(r.Next(100_000) / 100.0m).Append(",yes,2024-01-01T00:00:00\n");
        return sb.ToString();
    }

    private static long Count(List<string> files) => files.Count == 0 ? 0 : LakeReader.Scalar(files, "SELECT count(*) FROM read_parquet({files})");

    private static void AssertNoStackTrace(CliRunner.Result r)
    {
        Assert.DoesNotContain("   at ", r.All, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", r.All, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_run_on_a_full_disk_names_the_file_and_the_fix_leaves_no_data_files_and_a_retry_loads_everything()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv(0, 400_000, seed: 7));
        var job = f.Job("job.yaml", "csv", "data/*.csv", extra: "target:\n  target_file_size_mb: 1");
        using var disk = SmallDisk.TryMount(f.Warehouse, 3 << 20); // the data needs ~3 times that
        Skip.If(disk is null, "mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN)");

        var full = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(full.ExitCode == 2, full.All);
        AssertNoStackTrace(full);
        Assert.Contains("cannot write " + Path.Combine(f.Warehouse, "sales", "orders", "data"), full.All, StringComparison.Ordinal);
        Assert.Contains("No space left on device", full.All, StringComparison.Ordinal);
        Assert.Contains("free space", full.All, StringComparison.Ordinal);
        // the files finished before the disk ran out went with the failed run: nothing blocks the retry
        Assert.DoesNotContain(disk.Files(), p => p.EndsWith(".parquet", StringComparison.Ordinal) || p.EndsWith(".dativo-tmp", StringComparison.Ordinal));

        disk.Resize(256 << 20);
        var retry = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(retry.ExitCode == 0, retry.All);
        Assert.Equal(400_000, Count(await LakeReader.DataFilesAsync(f.Warehouse, "sales", "orders")));
        SqliteConnection.ClearAllPools();
    }

    [SkippableFact]
    public async Task A_run_over_the_file_size_limit_says_so_and_leaves_no_data_files()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "RLIMIT_FSIZE through bash's ulimit");
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv(0, 200_000, seed: 11));
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, "--help")).ExitCode); // the launcher builds first, without the limit

        // a 1 MiB file-size limit (SIGXFSZ ignored, so writes fail with EFBIG); W^X off: the runtime's own mappings need more
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { WorkingDirectory = f.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "trap '' XFSZ; ulimit -f 1024; exec \"$0\" \"$@\"", Path.Combine(Repo.Root, "dativo"), "run", "--config", job })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        psi.Environment["DATIVO_NO_PROGRESS"] = "1";
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var r = new CliRunner.Result(p.ExitCode, await stdout, await stderr);
        Assert.True(r.ExitCode == 2, r.All);
        AssertNoStackTrace(r);
        Assert.Contains("cannot write " + Path.Combine(f.Warehouse, "sales", "orders", "data"), r.All, StringComparison.Ordinal);
        Assert.Contains("file-size limit", r.All, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFiles(f.Warehouse, "*", SearchOption.AllDirectories),
            file => file.EndsWith(".parquet", StringComparison.Ordinal) || file.EndsWith(".dativo-tmp", StringComparison.Ordinal));
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_run_refuses_to_append_to_a_table_that_lost_a_manifest_and_writes_nothing()
    {
        using var f = new JobFolder();
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        f.Write("data/a.csv", Csv(0, 100, seed: 1));
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, ["run", "--config", job])).ExitCode);
        f.Write("data/b.csv", Csv(100, 100, seed: 2));
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, ["run", "--config", job])).ExitCode);

        var metadata = Path.Combine(f.Warehouse, "sales", "orders", "metadata");
        var firstManifest = Directory.EnumerateFiles(metadata, "*-m0.avro").OrderBy(File.GetLastWriteTimeUtc).First();
        File.Delete(firstManifest);
        var before = TableFiles(f.Warehouse);
        var pointer = (await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders")).CurrentSnapshotId;
        SqliteConnection.ClearAllPools();

        f.Write("data/c.csv", Csv(200, 100, seed: 3));
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 2, r.All);
        AssertNoStackTrace(r);
        Assert.Contains($"manifest file://{firstManifest} is missing", r.All, StringComparison.Ordinal);
        Assert.Contains("dativo table rollback sales.orders --to-snapshot", r.All, StringComparison.Ordinal);
        Assert.Equal(before, TableFiles(f.Warehouse)); // no data file, manifest or metadata file of the refused run
        Assert.Equal(pointer, (await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders")).CurrentSnapshotId);
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Two_runs_creating_the_same_new_table_at_once_both_land_in_it()
    {
        using var f = new JobFolder();
        const int rounds = 3, rows = 500;
        for (var round = 0; round < rounds; round++)
        {
            var jobs = new List<string>();
            foreach (var side in new[] { "a", "b" })
            {
                var first = (round * 2 + (side == "a" ? 0 : 1)) * rows;
                f.Write($"data/{round}/{side}.csv", Csv(first, rows, seed: first));
                jobs.Add(f.Job($"job_{round}_{side}.yaml", "csv", $"data/{round}/{side}.csv",
                    extra: $"name: load_{round}_{side}\ntarget:\n  table: race_{round}"));
            }
            // started together: both find no table, both create it
            var runs = jobs.Select(j => CliRunner.Start(f.Path, ["run", "--config", j])).ToList();
            var outputs = runs.Select(async p => (Out: await p.StandardOutput.ReadToEndAsync(), Err: await p.StandardError.ReadToEndAsync())).ToList();
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            foreach (var p in runs) await p.WaitForExitAsync(cts.Token);
            for (var i = 0; i < runs.Count; i++)
            {
                var (stdout, stderr) = await outputs[i];
                Assert.True(runs[i].ExitCode == 0, stdout + stderr);
                Assert.DoesNotContain("drop the old files", stdout + stderr, StringComparison.Ordinal);
                runs[i].Dispose();
            }
            var files = await LakeReader.DataFilesAsync(f.Warehouse, "sales", $"race_{round}");
            Assert.Equal(2 * rows, Count(files));
            Assert.Equal(2 * rows, LakeReader.Scalar(files, "SELECT count(DISTINCT id) FROM read_parquet({files})"));
        }
        SqliteConnection.ClearAllPools();
    }

    private static List<string> TableFiles(string warehouse) => [.. Directory.EnumerateFiles(Path.Combine(warehouse, "sales"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
}
