using Dativo.Testing;
using System.Text.Json.Nodes;
using Dativo.Ingestion.Tests.Support;
using Dativo.Testing.Services;
using Npgsql;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary><c>dativo discover</c> through the real CLI: a PostgreSQL source and a CSV source.</summary>
public sealed class DiscoverTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    [SkippableFact]
    public async Task Postgres_tables_columns_types_nullability_and_comments()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        await using (var c = new NpgsqlConnection(db.ConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                DROP TABLE IF EXISTS disc_orders; DROP VIEW IF EXISTS disc_big;
                CREATE TABLE disc_orders (id bigint PRIMARY KEY, amount numeric(12,2), note varchar(40), updated_at timestamp NOT NULL);
                COMMENT ON TABLE disc_orders IS 'orders from the shop';
                COMMENT ON COLUMN disc_orders.amount IS 'gross amount in EUR';
                CREATE VIEW disc_big AS SELECT id FROM disc_orders WHERE amount > 100;
                """, c);
            await cmd.ExecuteNonQueryAsync();
        }
        using var f = new JobFolder();
        f.Write("contract.yaml", """
            apiVersion: v3.0.2
            kind: DataContract
            name: disc_orders
            version: "1.0"
            schema:
              - {name: id, type: bigint, required: true}
              - {name: updated_at, type: timestamp, required: true}
            team:
              owner: data@acme.com
            """);
        f.Write("job.yaml", $"""
            tenant_id: acme
            source_connector: postgres
            target_connector: iceberg
            asset: disc_orders
            asset_path: contract.yaml
            source:
              dsn: "{db.ConnectionString}"
              tables:
                - name: public.disc_orders
                  cursor_field: updated_at
            """);

        var r = await CliRunner.RunAsync(f.Path, ["discover", "--config", "job.yaml", "--json"]);
        Assert.True(r.ExitCode == 0, r.All);
        var tables = JsonNode.Parse(r.Stdout)!["tables"]!.AsArray();
        var orders = tables.Single(t => (string)t!["name"]! == "disc_orders")!;
        Assert.Equal("public", (string)orders["schema"]!);
        Assert.Equal("table", (string)orders["kind"]!);
        Assert.True((bool)orders["in_job"]!);
        Assert.Equal("orders from the shop", (string)orders["comment"]!);
        var cols = orders["columns"]!.AsArray();
        Assert.Equal(["id", "amount", "note", "updated_at"], cols.Select(x => (string)x!["name"]!));
        Assert.Equal("bigint", (string)cols[0]!["type"]!);
        Assert.False((bool)cols[0]!["nullable"]!);
        Assert.Equal("numeric(12,2)", (string)cols[1]!["type"]!);
        Assert.True((bool)cols[1]!["nullable"]!);
        Assert.Equal("gross amount in EUR", (string)cols[1]!["comment"]!);
        Assert.Equal("character varying(40)", (string)cols[2]!["type"]!);
        Assert.False((bool)cols[3]!["nullable"]!);
        var view = tables.Single(t => (string)t!["name"]! == "disc_big")!;
        Assert.Equal("view", (string)view["kind"]!);
        Assert.False((bool)view["in_job"]!);

        var text = await CliRunner.RunAsync(f.Path, ["discover", "--config", "job.yaml"]);
        Assert.True(text.ExitCode == 0, text.All);
        Assert.Contains("public.disc_orders (table, in this job) — orders from the shop", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(db.ConnectionString, text.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_with_size_modified_and_inferred_header_columns()
    {
        using var f = new JobFolder();
        f.Write("in/a.csv", "id,email,amount,paid,created\n1,a@x.com,1.50,true,2024-01-01 10:00:00\n2,,2.25,false,2024-01-02T11:00:00\n");
        f.Write("in/b.csv", "id,email,amount,paid,created\n3,c@x.com,3,yes,2024-01-03\n");
        f.Job("job.yaml", "csv", "in/*.csv");

        var r = await CliRunner.RunAsync(f.Path, ["discover", "--config", "job.yaml", "--json"]);
        Assert.True(r.ExitCode == 0, r.All);
        var files = JsonNode.Parse(r.Stdout)!["files"]!.AsArray();
        Assert.Equal(2, files.Count);
        var a = files[0]!;
        Assert.EndsWith("a.csv", (string)a["path"]!, StringComparison.Ordinal);
        Assert.Equal("csv", (string)a["format"]!);
        Assert.Equal(new FileInfo(Path.Combine(f.Path, "in", "a.csv")).Length, (long)a["size"]!);
        Assert.True(DateTimeOffset.Parse((string)a["modified"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UnixEpoch);
        var cols = a["columns"]!.AsArray().ToDictionary(c => (string)c!["name"]!, c => ((string)c!["type"]!, (bool)c!["nullable"]!));
        Assert.Equal(("bigint", false), cols["id"]);
        Assert.Equal(("string", true), cols["email"]);
        Assert.Equal(("decimal(18,2)", false), cols["amount"]);
        Assert.Equal(("boolean", false), cols["paid"]);
        Assert.Equal(("timestamp", false), cols["created"]);

        var text = await CliRunner.RunAsync(f.Path, ["discover", "--config", "job.yaml"]);
        Assert.True(text.ExitCode == 0, text.All);
        Assert.Contains("b.csv (csv, ", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("| created ", text.Stdout, StringComparison.Ordinal);
    }
}
