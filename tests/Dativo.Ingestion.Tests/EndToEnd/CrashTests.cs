using Dativo.Testing;
using System.Text;
using Dativo.Ingestion.Tests.Support;

namespace Dativo.Ingestion.Tests.EndToEnd;

public sealed class CrashTests
{
    [Fact]
    public async Task Killing_run_at_random_points_then_rerunning_keeps_every_row_exactly_once()
    {
        using var f = new JobFolder();
        const int files = 12, rowsPerFile = 20_000;
        for (var i = 0; i < files; i++)
        {
            var sb = new StringBuilder("id,email,amount,paid,created\n");
            for (var r = 0; r < rowsPerFile; r++) sb.Append(i * rowsPerFile + r).Append(",u@x.com,1.25,yes,2024-01-01T00:00:00\n");
            f.Write($"data/part-{i:00}.csv", sb.ToString());
        }
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        var rnd = new Random(42);
        for (var attempt = 0; attempt < 6; attempt++)
        {
            using var p = CliRunner.Start(f.Path, ["run", "--config", job]);
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(rnd.Next(200, 2500)));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(entireProcessTree: true); await p.WaitForExitAsync(); }
        }
        var final = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(final.ExitCode == 0, final.All);
        var dataFiles = await LakeReader.DataFilesAsync(f.Warehouse, "sales", "orders");
        Assert.Equal(files * rowsPerFile, LakeReader.Scalar(dataFiles, "SELECT count(*) FROM read_parquet({files})"));
        Assert.Equal(files * rowsPerFile, LakeReader.Scalar(dataFiles, "SELECT count(DISTINCT id) FROM read_parquet({files})"));
    }
}
