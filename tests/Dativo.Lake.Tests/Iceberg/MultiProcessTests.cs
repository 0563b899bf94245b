using System.Diagnostics;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Table;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>Writers in separate OS processes (the test assembly started as <see cref="WorkerProgram"/>).</summary>
public sealed class MultiProcessTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private Process StartWriter(string table, long firstId, int appends, int rows)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { typeof(WorkerProgram).Assembly.Location, "iceberg-append", _fx.Dir.Path, "db." + table,
                     firstId.ToString(System.Globalization.CultureInfo.InvariantCulture), appends.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     rows.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    [Fact]
    public async Task Two_processes_appending_50_times_each_give_100_snapshots()
    {
        await _fx.CreateAsync("procs");
        using var a = StartWriter("procs", 0, 50, 10);
        using var b = StartWriter("procs", 100_000, 50, 10);
        var errA = a.StandardError.ReadToEndAsync();
        var errB = b.StandardError.ReadToEndAsync();
        var outA = a.StandardOutput.ReadToEndAsync();
        var outB = b.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await Task.WhenAll(a.WaitForExitAsync(cts.Token), b.WaitForExitAsync(cts.Token));
        Assert.True(a.ExitCode == 0, await errA);
        Assert.True(b.ExitCode == 0, await errB);
        Assert.Equal(50, (await outA).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(50, (await outB).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var t = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, new TableIdentifier("db", "procs"));
        Assert.Equal(100, t.Metadata.Snapshots.Count);
        Assert.Equal(100, t.Metadata.Ancestors().Count());
        Assert.Equal(1000, await t.NewScan().CountAsync());
    }

    [Fact]
    public async Task Writer_killed_mid_commit_leaves_a_consistent_table()
    {
        await _fx.CreateAsync("killed");
        var id = new TableIdentifier("db", "killed");
        var committedTotal = 0;
        for (var round = 0; round < 3; round++)
        {
            using var p = StartWriter("killed", round * 1_000_000L, 1000, 10);
            var seen = 0;
            while (seen < 3 + round && await p.StandardOutput.ReadLineAsync() is { } line)
                if (line.StartsWith("committed", StringComparison.Ordinal)) seen++;
            await Task.Delay(TimeSpan.FromMilliseconds(7 * (round + 1))); // somewhere inside the next commit
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();

            var t = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, id);
            var snapshots = t.Metadata.Ancestors().Count();
            Assert.Equal(t.Metadata.Snapshots.Count, snapshots);
            Assert.True(snapshots >= committedTotal + seen, $"{snapshots} snapshots, {committedTotal + seen} confirmed");
            Assert.Equal(snapshots * 10L, await t.NewScan().CountAsync());
            foreach (var task in await t.NewScan().PlanFilesAsync())
                Assert.True(File.Exists(t.IO.LocalPath(task.File.FilePath)), task.File.FilePath);
            Assert.Equal(FileContent.Data, (await t.NewScan().PlanFilesAsync())[0].File.Content);
            committedTotal = snapshots;
        }
        var after = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, id);
        await after.AppendAsync(TableFixture.Events(after.Schema, 42_000_000, 10));
        Assert.Equal((committedTotal + 1) * 10L, await after.NewScan().CountAsync());
    }
}
