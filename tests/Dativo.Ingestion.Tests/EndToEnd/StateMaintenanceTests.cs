using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>Table maintenance never loses a job's incremental state (docs/guarantees.md "Maintenance").</summary>
public sealed class StateMaintenanceTests
{
    private const string Header = "id,email,amount,paid,created\n";

    private static string Rows(int from, int count) =>
        Header + string.Concat(Enumerable.Range(from, count).Select(i => $"{i},u{i}@x.com,1.00,yes,2024-01-01T10:00:00\n"));

    private static async Task<List<long>> IdsAsync(JobFolder f) =>
        [.. (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id")).Select(r => (long)r["id"]!)];

    [Fact]
    public async Task Incremental_state_survives_compaction_and_snapshot_expiry()
    {
        using var f = new JobFolder();
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        for (var i = 0; i < 3; i++)
        {
            f.Write($"data/{i}.csv", Rows(i * 10, 10));
            var r = await CliRunner.RunAsync(f.Path, "run", "--config", job);
            Assert.True(r.ExitCode == 0, r.All);
        }
        var compact = await CliRunner.RunAsync(f.Path, "table", "compact", "sales.orders");
        Assert.True(compact.ExitCode == 0, compact.All);
        var expire = await CliRunner.RunAsync(f.Path, "table", "expire", "sales.orders", "--older-than", "0s", "--retain-last", "1");
        Assert.True(expire.ExitCode == 0, expire.All);
        var meta = await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders");
        Assert.Single(meta.Snapshots); // only the compaction's snapshot is left, which no ingestion wrote
        Assert.DoesNotContain(meta.Snapshots[0].Summary.Keys, k => k.StartsWith("dativo.state.", StringComparison.Ordinal));

        var again = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("no new data", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(30, (await IdsAsync(f)).Count);

        f.Write("data/3.csv", Rows(30, 5));
        var more = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(more.ExitCode == 0, more.All);
        Assert.Equal(Enumerable.Range(0, 35).Select(i => (long)i), await IdsAsync(f));
    }

    [Fact]
    public async Task Another_job_committing_to_the_same_table_then_expiry_keeps_each_jobs_state()
    {
        using var f = new JobFolder();
        f.Write("a/1.csv", Rows(0, 10));
        f.Write("b/1.csv", Rows(100, 10));
        var jobA = f.Job("a.yaml", "csv", "a/*.csv", extra: "name: orders_a");
        var jobB = f.Job("b.yaml", "csv", "b/*.csv", extra: "name: orders_b");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, "run", "--config", jobA)).ExitCode);
        for (var i = 2; i < 5; i++)
        {
            f.Write($"b/{i}.csv", Rows(100 * i, 10));
            Assert.Equal(0, (await CliRunner.RunAsync(f.Path, "run", "--config", jobB)).ExitCode);
        }
        var expire = await CliRunner.RunAsync(f.Path, "table", "expire", "sales.orders", "--older-than", "0s", "--retain-last", "1");
        Assert.True(expire.ExitCode == 0, expire.All);

        var a = await CliRunner.RunAsync(f.Path, "run", "--config", jobA);
        Assert.True(a.ExitCode == 0, a.All);
        Assert.Contains("no new data", a.Stdout, StringComparison.Ordinal);
        Assert.Equal(50, (await IdsAsync(f)).Distinct().Count());
        Assert.Equal(50, (await IdsAsync(f)).Count);
    }

    [Fact]
    public async Task The_job_state_is_stored_once_per_table_version_not_once_per_snapshot()
    {
        // the state used to ride in every snapshot summary, so metadata.json grew by the state's size on every commit
        using var f = new JobFolder();
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        for (var i = 0; i < 4; i++)
        {
            f.Write($"data/{i}.csv", Rows(i * 10, 10));
            Assert.Equal(0, (await CliRunner.RunAsync(f.Path, "run", "--config", job)).ExitCode);
        }
        var meta = await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders");
        Assert.Equal(4, meta.Snapshots.Count);
        Assert.Contains("data/3.csv", meta.Properties["dativo.state.acme.orders"], StringComparison.Ordinal);
        Assert.All(meta.Snapshots, s => Assert.False(s.Summary.ContainsKey("dativo.state.acme.orders")));
    }

    [Fact]
    public async Task A_table_rolled_back_past_the_jobs_last_commit_is_refused_instead_of_skipping_the_lost_rows()
    {
        using var f = new JobFolder();
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        for (var i = 0; i < 3; i++)
        {
            f.Write($"data/{i}.csv", Rows(i * 10, 10));
            Assert.Equal(0, (await CliRunner.RunAsync(f.Path, "run", "--config", job)).ExitCode);
        }
        var meta = await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders");
        var first = meta.Snapshots[0].SnapshotId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var rollback = await CliRunner.RunAsync(f.Path, "table", "rollback", "sales.orders", "--to-snapshot", first);
        Assert.True(rollback.ExitCode == 0, rollback.All);
        Assert.Equal(10, (await IdsAsync(f)).Count);

        var r = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains("was rolled back past the last commit of job acme/orders", r.All, StringComparison.Ordinal);
        Assert.Equal(10, (await IdsAsync(f)).Count); // nothing run

        // the way out the message gives: clear the job's state (here after emptying the table, as it advises)
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, "table", "rollback", "sales.orders", "--to-snapshot", first)).ExitCode);
        File.Delete(Path.Combine(f.Path, "data", "0.csv"));
        var unset = await CliRunner.RunAsync(f.Path, "table", "properties", "sales.orders", "--unset", "dativo.state.acme.orders", "--unset", "dativo.state-commit.acme.orders");
        Assert.True(unset.ExitCode == 0, unset.All);
        var again = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), await IdsAsync(f));
    }
}
