using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;
using Dativo.Testing.Services;
using DuckDB.NET.Data;
using Npgsql;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>
/// <c>dativo discover --contract-out</c> drafts a contract from a job's source before the contract exists; the draft
/// passes <c>check</c> and the job loads the sample with it.
/// </summary>
public sealed class ContractDraftTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private static string Job(string source, string sourceBlock) => $"""
        tenant_id: acme
        source_connector: {source}
        target_connector: iceberg
        asset: events
        asset_path: contracts/events.yaml
        {sourceBlock}
        """;

    /// <summary>Drafts, checks and runs; returns the draft's text.</summary>
    private static async Task<string> DraftCheckAndRunAsync(JobFolder f, long rows)
    {
        var draft = await CliRunner.RunAsync(f.Path, ["discover", "--config", "job.yaml", "--contract-out", "contracts/events.yaml"]);
        Assert.True(draft.ExitCode == 0, draft.All);
        Assert.Contains("wrote a draft contract", draft.Stderr, StringComparison.Ordinal);
        var check = await CliRunner.RunAsync(f.Path, ["check", "--config", "job.yaml"]);
        Assert.True(check.ExitCode == 0, check.All);
        var run = await CliRunner.RunAsync(f.Path, ["run", "--config", "job.yaml"]);
        Assert.True(run.ExitCode == 0, run.All);
        var files = await LakeReader.DataFilesAsync(f.Warehouse, "default", "events");
        Assert.Equal(rows, LakeReader.Scalar(files, "SELECT count(*) FROM read_parquet({files})"));
        return File.ReadAllText(Path.Combine(f.Path, "contracts", "events.yaml"));
    }

    private static void AssertColumn(string contract, string name, string type, bool required, string extra = "")
    {
        var block = $"  - name: {name}\n    type: {type}\n{extra}{(required ? "    required: true\n" : "")}";
        Assert.Contains(block, contract, StringComparison.Ordinal);
        if (!required) Assert.DoesNotContain(block + "    required: true\n", contract, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_contract_drafted_from_csv_files_infers_every_type_passes_check_and_loads_the_files()
    {
        using var f = new JobFolder();
        f.Write("in/a.csv", """
            id,amount,ratio,paid,day,seen_at,sent_at,label,note
            1,10.50,1.5e3,true,2024-01-01,2024-01-01 10:00:00,2024-01-01T10:00:00Z,x,
            2,3,0.25,false,2024-01-02,2024-01-02T11:30:00.5,2024-01-02T11:00:00+02:00,y,hello
            """ + "\n");
        f.Write("in/b.csv", "id,amount,ratio,paid,day,seen_at,sent_at,label,note\n3,1234.125,2,yes,2024-01-03,2024-01-03,2024-01-03T00:00:00-05:00,z,\n");
        f.Write("job.yaml", Job("csv", "source:\n  files:\n    - path: in/*.csv"));

        var contract = await DraftCheckAndRunAsync(f, 3);
        AssertColumn(contract, "id", "bigint", true);
        AssertColumn(contract, "amount", "decimal", true, "    precision: 19\n    scale: 3\n"); // 16 integer digits (18,2) widened by the other file's scale
        AssertColumn(contract, "ratio", "double", true);
        AssertColumn(contract, "paid", "boolean", true);
        AssertColumn(contract, "day", "date", true);
        AssertColumn(contract, "seen_at", "timestamp", true);
        AssertColumn(contract, "sent_at", "timestamptz", true);
        AssertColumn(contract, "label", "string", true);
        AssertColumn(contract, "note", "string", false);

        // an existing contract is not overwritten without --force
        var again = await CliRunner.RunAsync(f.Path, ["discover", "--config", "job.yaml", "--contract-out", "contracts/events.yaml"]);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("exists: dativo discover does not overwrite a contract", again.Stderr, StringComparison.Ordinal);
        var forced = await CliRunner.RunAsync(f.Path, ["discover", "--config", "job.yaml", "--contract-out", "contracts/events.yaml", "--force"]);
        Assert.True(forced.ExitCode == 0, forced.All);
    }

    [Fact]
    public async Task A_contract_drafted_from_json_lines_and_parquet_files_loads_them()
    {
        using var f = new JobFolder();
        f.Write("in/a.jsonl", "{\"id\": 1, \"amount\": 2.5, \"ok\": true, \"tags\": [1]}\n{\"id\": 2, \"amount\": 3, \"ok\": false, \"tags\": null}\n");
        f.Write("job.yaml", Job("jsonl", "source:\n  files:\n    - path: in/*.jsonl"));
        var json = await DraftCheckAndRunAsync(f, 2);
        AssertColumn(json, "id", "bigint", true);
        AssertColumn(json, "amount", "decimal", true, "    precision: 18\n    scale: 1\n");
        AssertColumn(json, "tags", "string", false);

        using var p = new JobFolder();
        Directory.CreateDirectory(Path.Combine(p.Path, "in"));
        using (var conn = new DuckDBConnection("DataSource=:memory:"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = $"COPY (SELECT i::BIGINT AS id, (i * 1.25)::DECIMAL(9,2) AS amount, CASE WHEN i = 2 THEN NULL ELSE 'n' || i END AS note, " +
                $"TIMESTAMP '2024-01-01' + i * INTERVAL 1 HOUR AS at FROM range(1, 4) t(i)) TO '{Path.Combine(p.Path, "in", "a.parquet")}' (FORMAT PARQUET)";
            cmd.ExecuteNonQuery();
        }
        p.Write("job.yaml", Job("parquet", "source:\n  files:\n    - path: in/*.parquet"));
        var parquet = await DraftCheckAndRunAsync(p, 3);
        AssertColumn(parquet, "id", "bigint", true);
        AssertColumn(parquet, "amount", "decimal", true, "    precision: 9\n    scale: 2\n");
        AssertColumn(parquet, "note", "string", false);
        AssertColumn(parquet, "at", "timestamp", true);
    }

    [SkippableFact]
    public async Task A_contract_drafted_from_a_postgres_table_maps_its_types_and_not_null_columns()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        await using (var c = new NpgsqlConnection(db.ConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                CREATE TABLE draft_events (id bigint PRIMARY KEY, qty integer, amount numeric(12,2), ratio double precision, ok boolean NOT NULL,
                  day date, at timestamp NOT NULL, at_tz timestamptz, label varchar(20), u uuid);
                INSERT INTO draft_events VALUES
                  (1, 7, 12.50, 0.5, true, '2024-01-01', '2024-01-01 10:00', '2024-01-01 10:00+00', 'a', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
                  (2, NULL, NULL, NULL, false, NULL, '2024-01-02 10:00', NULL, NULL, NULL);
                """, c);
            await cmd.ExecuteNonQueryAsync();
        }
        using var f = new JobFolder();
        f.Write("job.yaml", Job("postgres", $"source:\n  dsn: \"{db.ConnectionString}\"\n  tables:\n    - name: public.draft_events"));
        var contract = await DraftCheckAndRunAsync(f, 2);
        AssertColumn(contract, "id", "bigint", true);
        AssertColumn(contract, "qty", "int", false);
        AssertColumn(contract, "amount", "decimal", false, "    precision: 12\n    scale: 2\n");
        AssertColumn(contract, "ratio", "double", false);
        AssertColumn(contract, "ok", "boolean", true);
        AssertColumn(contract, "day", "date", false);
        AssertColumn(contract, "at", "timestamp", true);
        AssertColumn(contract, "at_tz", "timestamptz", false);
        AssertColumn(contract, "label", "string", false);
        AssertColumn(contract, "u", "uuid", false);
    }
}
