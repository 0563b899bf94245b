using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>JSON lines values that were silently changed or lost: duplicate keys, NUL characters, underflowing numbers, a key no record has.</summary>
public sealed class JsonLinesValueTests
{
    private const string Contract = """
        apiVersion: v3.0.2
        kind: DataContract
        name: items
        version: "1.0"
        domain: qa
        schema:
          - {name: id, type: bigint, required: true}
          - {name: s, type: string}
          - {name: l, type: bigint}
          - {name: m, type: decimal, precision: 12, scale: 2}
        team:
          owner: qa@acme.com
        """;

    [Fact]
    public async Task Duplicate_keys_nul_characters_and_lost_digits_reject_the_record()
    {
        using var f = new JobFolder();
        f.Write("data/a.jsonl", string.Join("\n",
            """{"id": 1, "s": "a", "s": "b", "l": 1, "m": 1}""",
            """{"id": 2, "S": "x", "s": "y", "l": 2, "m": 2}""",
            """{"id": 3, "s": "a\u0000b", "l": 3, "m": 3}""",
            """{"id": 4, "s": "ok", "l": "12\u0000", "m": 4}""",
            """{"id": 5, "s": "ok", "l": 5, "m": 1e-400}""",
            """{"id": 6, "s": "ok", "l": 1.00000000000000000000000000001, "m": 6}""",
            """{"id": 7, "s": "fine", "l": 7, "m": 7.5}""") + "\n");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", f.Job("job.yaml", "jsonl", "data/a.jsonl", contract: Contract)]);
        Assert.True(r.ExitCode == 2, r.All);
        var rows = await LakeReader.RowsAsync(f.Warehouse, "qa", "items", "id");
        Assert.Equal([7L], rows.Select(x => Convert.ToInt64(x["id"], CultureInfo.InvariantCulture)));
        Assert.Equal(
            ["1 s duplicate_key", "2 s duplicate_key", "3 s nul_character", "4 l nul_character", "5 m type_mismatch", "6 l type_mismatch"],
            Quarantine(f, "items").Select(q => $"{q["position"]} {q["field"]} {q["reason"]}"));
    }

    /// <summary>A contract column no record of the file has (renamed key): strict fails the run naming it; warn loads it null with a warning. A key that only some records have is fine.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("schema_validation_mode: warn")]
    public async Task A_key_no_record_has_fails_strict_runs_and_warns_in_warn_mode(string mode)
    {
        using var f = new JobFolder();
        f.Write("data/a.jsonl", """
            {"id": 1, "s": "a", "amount": 1.5}
            {"id": 2, "s": "b", "amount": 2.5, "l": 7}
            """ + "\n");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", f.Job("job.yaml", "jsonl", "data/a.jsonl", mode, Contract)]);
        if (mode.Length == 0)
        {
            Assert.True(r.ExitCode == 2 && r.Stderr.Contains("job_failed", StringComparison.Ordinal), r.All);
            Assert.Contains("a.jsonl: the contract's column 'm' is not in the file's keys (in any of its records): id, s, amount, l. A renamed source column would load as nulls",
                (string?)JsonNode.Parse(r.Stderr.Split('\n').Single(l => l.Contains("\"job_failed\"", StringComparison.Ordinal)))!["error"]);
            Assert.Empty(await LakeReader.RowsAsync(f.Warehouse, "qa", "items", "id"));
            return;
        }
        Assert.True(r.ExitCode == 1, r.All);
        var rows = await LakeReader.RowsAsync(f.Warehouse, "qa", "items", "id");
        Assert.Equal([null, 7L], rows.Select(x => x["l"]));
        Assert.All(rows, x => Assert.Null(x["m"]));
        var q = Assert.Single(Quarantine(f, "items"));
        Assert.Equal("0 m missing_column true", $"{q["position"]} {q["field"]} {q["reason"]} {q["kept"]}");
    }

    private static List<JsonObject> Quarantine(JobFolder f, string table) =>
        [.. Directory.GetFiles(Path.Combine(f.Warehouse, "qa", "_quarantine", table), "*.jsonl").SelectMany(File.ReadAllLines)
            .Select(l => JsonNode.Parse(l)!.AsObject()).OrderBy(o => (long)o["position"]!)];
}
