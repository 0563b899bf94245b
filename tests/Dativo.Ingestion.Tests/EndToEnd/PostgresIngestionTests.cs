using Dativo.Testing;
using Dativo.Ingestion.Tests.Support;
using Dativo.Testing.Services;
using Npgsql;

namespace Dativo.Ingestion.Tests.EndToEnd;

public sealed class PostgresIngestionTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private static string Contract(string extra = "") => $"""
        apiVersion: v3.0.2
        kind: DataContract
        name: pg_orders
        version: "1.0"
        domain: shop
        schema:
          - name: id
            type: bigint
            required: true
          - name: updated_at
            type: timestamp
            required: true
          - name: total_amount
            type: double
        {extra}
        team:
          owner: data@acme.com
        """;

    private string Job(JobFolder f, string table, int lookback, string contractExtra = "")
    {
        f.Write("contract.yaml", Contract(contractExtra));
        return f.Write("job.yaml", $"""
            tenant_id: acme
            source_connector: postgres
            target_connector: iceberg
            asset: pg_orders
            asset_path: contract.yaml
            source:
              dsn: "{db.ConnectionString}"
              tables:
                - name: public.{table}
                  object: {table}
                  cursor_field: updated_at
              incremental:
                lookback_days: {lookback}
            """);
    }

    private async Task ExecAsync(string sql)
    {
        await using var c = new NpgsqlConnection(db.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 300 };
        await cmd.ExecuteNonQueryAsync();
    }

    [SkippableFact]
    public async Task Full_then_incremental_with_late_rows_at_the_boundary_exactly_once()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        await ExecAsync("""
            CREATE TABLE inc_orders (id bigint PRIMARY KEY, updated_at timestamp NOT NULL, total_amount double precision);
            INSERT INTO inc_orders VALUES (1, '2024-01-01 10:00', 1), (2, '2024-01-02 10:00', 2), (3, '2024-01-03 10:00', 3);
            """);
        using var f = new JobFolder();
        var job = Job(f, "inc_orders", 1);
        var r1 = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r1.ExitCode == 0, r1.All);
        // late rows: one at the boundary value, one inside the lookback window, plus a new one
        await ExecAsync("INSERT INTO inc_orders VALUES (4, '2024-01-03 10:00', 4), (5, '2024-01-03 01:00', 5), (6, '2024-01-04 10:00', 6)");
        var r2 = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r2.ExitCode == 0, r2.All);
        var r3 = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r3.ExitCode == 0, r3.All);
        Assert.Contains("no new data", r3.Stdout);
        var ids = (await LakeReader.RowsAsync(f.Warehouse, "shop", "pg_orders", "id")).Select(x => (long)x["id"]!).ToList();
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], ids);
    }

    [SkippableFact]
    public async Task Column_added_to_source_and_contract_evolves_the_table()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        await ExecAsync("""
            CREATE TABLE evo_orders (id bigint, updated_at timestamp NOT NULL, total_amount double precision);
            INSERT INTO evo_orders VALUES (1, '2024-01-01', 1);
            """);
        using var f = new JobFolder();
        Assert.Equal(0, (await CliRunner.RunAsync(f.Path, ["run", "--config", Job(f, "evo_orders", 0)])).ExitCode);
        await ExecAsync("ALTER TABLE evo_orders ADD COLUMN channel text; INSERT INTO evo_orders VALUES (2, '2024-01-02', 2, 'web')");
        // the source column alone is ignored (not in the contract); adding it to the contract adds it to the table
        var job = Job(f, "evo_orders", 0, "  - name: channel\n    type: string");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 0, r.All);
        var rows = await LakeReader.RowsAsync(f.Warehouse, "shop", "pg_orders", "id");
        Assert.Equal(2, rows.Count);
        Assert.Null(rows[0].GetValueOrDefault("channel"));
        Assert.Equal("web", rows[1]["channel"]);
        var meta = await LakeReader.MetadataAsync(f.Warehouse, "shop", "pg_orders");
        Assert.Equal(1, meta.CurrentSchemaId);
    }

    [SkippableFact]
    public async Task One_million_rows()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        await ExecAsync("""
            CREATE TABLE big_orders AS SELECT i::bigint AS id, timestamp '2024-01-01' + i * interval '1 second' AS updated_at, i * 0.5 AS total_amount
            FROM generate_series(1, 1000000) i;
            """);
        using var f = new JobFolder();
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", Job(f, "big_orders", 0)]);
        Assert.True(r.ExitCode == 0, r.All);
        var files = await LakeReader.DataFilesAsync(f.Warehouse, "shop", "pg_orders");
        Assert.Equal(1_000_000, LakeReader.Scalar(files, "SELECT count(DISTINCT id) FROM read_parquet({files})"));
        Assert.Equal(1_000_000, LakeReader.Scalar(files, "SELECT count(*) FROM read_parquet({files})"));
    }

    [SkippableFact]
    public async Task Typed_columns_copied_widened_checked_or_converted()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        // integer → long (widened), smallint → int, numeric → decimal(5,2) (range checked), uuid → uuid (converted),
        // text → int (parsed), a NULL in a required column (rejected)
        await ExecAsync("""
            CREATE TABLE typed_rows (id integer, small smallint, amount numeric, u uuid, n text, label text, updated_at timestamp NOT NULL);
            INSERT INTO typed_rows VALUES
              (1, 10, 1.50, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '7', 'a', '2024-01-01'),
              (2, 20, 123456.78, NULL, '8', 'b', '2024-01-01'),
              (3, 30, 2.25, NULL, 'x', 'c', '2024-01-01'),
              (4, NULL, 3.00, NULL, '9', NULL, '2024-01-01');
            """);
        using var f = new JobFolder();
        f.Write("contract.yaml", """
            apiVersion: v3.0.2
            kind: DataContract
            name: pg_typed
            version: "1.0"
            domain: shop
            schema:
              - {name: id, type: bigint, required: true}
              - {name: small, type: int}
              - {name: amount, type: decimal, precision: 5, scale: 2}
              - {name: u, type: uuid}
              - {name: n, type: int}
              - {name: label, type: string, required: true}
              - {name: updated_at, type: timestamp}
            team:
              owner: data@acme.com
            """);
        var job = f.Write("job.yaml", $"""
            tenant_id: acme
            source_connector: postgres
            target_connector: iceberg
            asset: pg_typed
            asset_path: contract.yaml
            source:
              dsn: "{db.ConnectionString}"
              tables:
                - name: public.typed_rows
            """);
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(r.ExitCode == 2, r.All); // strict: rows 2 (amount out of range), 3 (n not an int), 4 (label missing) rejected
        var rows = await LakeReader.RowsAsync(f.Warehouse, "shop", "pg_typed", "id");
        var row = Assert.Single(rows);
        Assert.Equal(1L, row["id"]);
        Assert.Equal(10, Convert.ToInt32(row["small"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1.50m, Convert.ToDecimal(row["amount"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", row["u"]?.ToString());
        Assert.Equal(7, Convert.ToInt32(row["n"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("a", row["label"]);
    }

    [SkippableFact]
    public async Task Secret_values_never_appear_in_output()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        using var f = new JobFolder();
        f.Write("contract.yaml", Contract());
        var job = f.Write("job.yaml", """
            tenant_id: acme
            source_connector: postgres
            target_connector: iceberg
            asset: pg_orders
            asset_path: contract.yaml
            source:
              dsn: "secret:pg_dsn"
              tables:
                - name: public.nothing
            """);
        const string secret = "Sup3rS3cretPassw0rd";
        var env = new Dictionary<string, string> { ["DATIVO_SECRET__ACME__PG_DSN"] = $"Host=127.0.0.1;Port=1;Username=u_{secret};Password={secret};Database=d_{secret}" };
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job], env);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cannot connect", r.All);
        Assert.DoesNotContain(secret, r.All);
    }
}
