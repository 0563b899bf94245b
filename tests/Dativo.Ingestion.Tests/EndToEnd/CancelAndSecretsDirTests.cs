using Dativo.Testing;
using System.Diagnostics;
using System.Globalization;
using Dativo.Ingestion.Tests.Support;
using Dativo.Testing.Services;
using Npgsql;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>A termination signal (SIGINT/SIGTERM) during <c>dativo run</c> (exit 130, nothing committed, the next run ingests everything once) and <c>--secrets-dir</c>.</summary>
public sealed class CancelAndSecretsDirTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private const string Narrow = """
        apiVersion: v3.0.2
        kind: DataContract
        name: events
        version: "1.0"
        domain: sales
        schema:
          - {name: id, type: bigint, required: true}
          - {name: label, type: string}
        team:
          owner: data@acme.com
        """;

    [Fact]
    public async Task A_termination_signal_exits_130_without_committing_and_the_rerun_ingests_every_row_once()
    {
        using var f = new JobFolder();
        const int first = 300_000, rows = first + 10;
        Directory.CreateDirectory(Path.Combine(f.Path, "in"));
        var csv = Path.Combine(f.Path, "in", "events.csv");
        f.Job("job.yaml", "csv", "in/events.csv", contract: Narrow);

        // The source is a FIFO: the job reads the first rows, then blocks until the test has seen the signal
        // acknowledged, so the cancellation always lands mid-run whatever the machine's speed.
        using (var mk = Process.Start("mkfifo", [csv])) await mk.WaitForExitAsync();
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = Task.Run(async () =>
        {
            try
            {
                await using var w = new StreamWriter(new FileStream(csv, FileMode.Open, FileAccess.Write));
                await w.WriteLineAsync("id,label");
                for (var i = 0; i < first; i++) await w.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{i},label-{i % 1000}"));
                await w.FlushAsync();
                await signalled.Task;
                for (var i = first; i < rows; i++) await w.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{i},label-{i % 1000}"));
            }
            catch (IOException)
            {
                // Broken pipe: the cancelled job stopped reading before the writer was done — the expected outcome on a slow machine.
            }
        });

        using (var p = CliRunner.Start(f.Path, ["run", "--config", "job.yaml"]))
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            string? line;
            while ((line = await p.StandardError.ReadLineAsync()) is not null && !line.Contains("\"progress\"", StringComparison.Ordinal)) { }
            Assert.NotNull(line);
            // SIGTERM, not SIGINT: a test host started from a background shell inherits SIGINT as ignored, and then the
            // runtime never sees it. The CLI handles both the same way (Program.OnSignal).
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            while ((line = await p.StandardError.ReadLineAsync()) is not null && !line.Contains("cancelling", StringComparison.Ordinal)) { }
            Assert.NotNull(line);
            signalled.SetResult();
            var rest = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            await stdout;
            await writer;
            Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {rest}");
            Assert.Contains("cancelled", rest, StringComparison.Ordinal);
        }
        Assert.Empty(await LakeReader.DataFilesAsync(f.Warehouse, "sales", "events"));

        File.Delete(csv);
        await File.WriteAllLinesAsync(csv, ["id,label", .. Enumerable.Range(0, rows).Select(i => string.Create(CultureInfo.InvariantCulture, $"{i},label-{i % 1000}"))]);
        var again = await CliRunner.RunAsync(f.Path, ["run", "--config", "job.yaml"]);
        Assert.True(again.ExitCode == 0, again.All);
        var files = await LakeReader.DataFilesAsync(f.Warehouse, "sales", "events");
        Assert.Equal(rows, LakeReader.Scalar(files, "SELECT count(DISTINCT id) FROM read_parquet({files})"));
        Assert.Equal(rows, LakeReader.Scalar(files, "SELECT count(*) FROM read_parquet({files})"));
    }

    [SkippableFact]
    public async Task Secrets_dir_option_supplies_the_tenant_secret()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        await using (var c = new NpgsqlConnection(db.ConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                DROP TABLE IF EXISTS sd_events;
                CREATE TABLE sd_events (id bigint PRIMARY KEY, label text, updated_at timestamp NOT NULL);
                INSERT INTO sd_events SELECT g, 'l' || g, TIMESTAMP '2024-01-01' + g * INTERVAL '1 minute' FROM generate_series(1, 25) g;
                """, c);
            await cmd.ExecuteNonQueryAsync();
        }
        using var f = new JobFolder();
        f.Write("contract.yaml", Narrow.Replace("  - {name: label, type: string}", "  - {name: label, type: string}\n  - {name: updated_at, type: timestamp, required: true}", StringComparison.Ordinal));
        f.Write("job.yaml", """
            tenant_id: acme
            source_connector: postgres
            target_connector: iceberg
            asset: events
            asset_path: contract.yaml
            source:
              dsn: secret:warehouse_db
              tables:
                - name: public.sd_events
                  object: sd_events
                  cursor_field: updated_at
            """);
        f.Write("vault/acme/warehouse_db.txt", db.ConnectionString);

        var missing = await CliRunner.RunAsync(f.Path, ["run", "--config", "job.yaml"]);
        Assert.NotEqual(0, missing.ExitCode);

        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", "job.yaml", "--secrets-dir", "vault"]);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(25, LakeReader.Scalar(await LakeReader.DataFilesAsync(f.Warehouse, "sales", "events"), "SELECT count(*) FROM read_parquet({files})"));
        Assert.DoesNotContain(db.ConnectionString, r.All, StringComparison.Ordinal);
    }
}
