using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>
/// A file ingested before that changed: rows appended at its end are read (exactly those), any other change fails the run
/// with nothing committed (docs/ingestion.md "Files, incremental").
/// </summary>
public sealed class FileAppendTests
{
    private const string Header = "id,email,amount,paid,created\n";

    private static string Rows(params int[] ids) => string.Concat(ids.Select(i => $"{i},u{i}@x.com,1.00,yes,2024-01-0{i % 9 + 1}T10:00:00\n"));

    private static async Task<List<long>> IdsAsync(JobFolder f) =>
        [.. (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders", "id")).Select(r => (long)r["id"]!)];

    [Fact]
    public async Task Rows_appended_to_an_ingested_csv_arrive_exactly_once_with_their_line_numbers()
    {
        using var f = new JobFolder();
        var csv = f.Write("data/a.csv", Header + Rows(1, 2, 3));
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        var first = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(first.ExitCode == 0, first.All);

        File.AppendAllText(csv, Rows(4, 5) + "x,bad@x.com,1,yes,2024-01-01\n");
        var second = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(second.ExitCode == 2, second.All); // strict mode: the bad appended row is rejected, the others committed
        Assert.Equal([1L, 2L, 3L, 4L, 5L], await IdsAsync(f));
        var rejected = File.ReadAllLines(Directory.GetFiles(Path.Combine(f.Warehouse, "sales", "_quarantine", "orders"), "*.jsonl").Single());
        Assert.Contains("\"position\":7", Assert.Single(rejected), StringComparison.Ordinal);

        File.AppendAllText(csv, Rows(6));
        var third = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(third.ExitCode == 0, third.All);
        var fourth = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.Contains("no new data", fourth.Stdout, StringComparison.Ordinal);
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], await IdsAsync(f));
    }

    [Fact]
    public async Task Lines_appended_to_an_ingested_json_lines_file_arrive_exactly_once()
    {
        using var f = new JobFolder();
        static string Line(int i) => $"{{\"id\": {i}, \"email\": \"u{i}@x.com\", \"amount\": \"1.00\", \"paid\": true, \"created\": \"2024-01-01T10:00:00\"}}\n";
        var file = f.Write("data/a.jsonl", Line(1) + Line(2));
        var job = f.Job("job.yaml", "jsonl", "data/*.jsonl");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, ["run", "--config", job])).ExitCode);
        File.AppendAllText(file, Line(3));
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal([1L, 2L, 3L], await IdsAsync(f));
    }

    [Fact]
    public async Task A_file_rewritten_in_place_fails_the_run_with_nothing_committed()
    {
        using var f = new JobFolder();
        var csv = f.Write("data/a.csv", Header + Rows(1, 2, 3));
        var other = f.Write("data/b.csv", Header + Rows(7));
        var job = f.Job("job.yaml", "csv", "data/*.csv");
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, ["run", "--config", job])).ExitCode);
        var snapshots = (await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders")).Snapshots.Count;

        // same content, new modification time: nothing to load
        File.SetLastWriteTimeUtc(other, File.GetLastWriteTimeUtc(other).AddMinutes(5));
        var touched = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(touched.ExitCode == 0, touched.All);
        Assert.Contains("no new data", touched.Stdout, StringComparison.Ordinal);

        // an edited row (same size) and new rows after it; a new file beside it is not loaded either
        File.WriteAllText(csv, Header + Rows(1, 2, 3).Replace("u2@", "v2@", StringComparison.Ordinal) + Rows(4));
        f.Write("data/c.csv", Header + Rows(8));
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains("a.csv: ingested earlier with", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("no longer those ingested", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was read or committed", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);

        // truncated: the same refusal
        File.WriteAllText(csv, Header + Rows(1));
        Assert.Contains("truncated or rewritten", (await CliRunner.RunAsync(f.Path, ["run", "--config", job])).Stderr, StringComparison.Ordinal);

        Assert.Equal(snapshots, (await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders")).Snapshots.Count);
        Assert.Equal([1L, 2L, 3L, 7L], await IdsAsync(f));
    }

    [Fact]
    public async Task Bytes_continuing_the_last_ingested_line_are_refused()
    {
        using var f = new JobFolder();
        var csv = f.Write("data/a.csv", Header + Rows(1) + "2,u2@x.com,1.00,yes,2024-01-02");
        var job = f.Job("job.yaml", "csv", "data/a.csv");
        var first = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(first.ExitCode == 0, first.All);
        File.AppendAllText(csv, "T10:00:00\n3,u3@x.com,1.00,yes,2024-01-03\n");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains("its last line, ingested before, was continued", r.Stderr, StringComparison.Ordinal);
        Assert.Equal([1L, 2L], await IdsAsync(f));
    }
}
