using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>The exit code and summary say what was committed, whenever a stop request or an error arrives (docs/guarantees.md).</summary>
public sealed class TruthfulExitTests
{
    private const string Csv = "id,email,amount,paid,created\n1,a@x.com,1.00,yes,2024-01-01\n2,b@x.com,2.00,no,2024-01-02\n";

    [Fact]
    public async Task A_stop_request_arriving_after_the_commit_still_reports_the_committed_run()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job], [new("DATIVO_FAULTS", "ingest.after-commit=sigterm")]);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("| ok", r.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders")).Count);
        var again = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.Contains("no new data", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stop_request_before_the_commit_exits_130_and_the_summary_says_nothing_was_committed()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job], [new("DATIVO_FAULTS", "ingest.before-commit=sigterm")]);
        Assert.True(r.ExitCode == 130, r.All);
        Assert.Contains("nothing committed", r.Stdout, StringComparison.Ordinal);
        Assert.Empty(await LakeReader.DataFilesAsync(f.Warehouse, "sales", "orders"));
        var again = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(2, (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders")).Count);
    }

    [Fact]
    public async Task A_stop_between_jobs_of_a_folder_reports_which_committed_and_which_did_not_start()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        f.Job("unused.yaml", "csv", "data/*.csv"); // writes the contract
        foreach (var name in new[] { "first", "second" })
            f.Write($"jobs/{name}.yaml", $"tenant_id: acme\nname: {name}\nsource_connector: csv\ntarget_connector: iceberg\nasset: orders\nasset_path: ../contract.yaml\nsource:\n  files:\n    - path: ../data/*.csv\n");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--job-dir", "jobs"], [new("DATIVO_FAULTS", "ingest.after-commit=sigterm")]);
        Assert.True(r.ExitCode == 130, r.All);
        Assert.Contains("first", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("not started", r.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders")).Count);
    }

    [Fact]
    public async Task A_state_store_failure_after_the_commit_is_a_warning_not_a_failure()
    {
        using var f = new JobFolder();
        f.Write("data/a.csv", Csv);
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job], [new("DATIVO_FAULTS", "ingest.state-sync=fail")]);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("warning", r.All, StringComparison.Ordinal);
        var again = await CliRunner.RunAsync(f.Path, "run", "--config", job);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("no new data", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders")).Count);
    }
}
