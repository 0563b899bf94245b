using Dativo.Ingestion.Sources.Postgres;
using Dativo.Ingestion.Tests.Support;
using Dativo.Testing;
using Dativo.Testing.Services;
using Npgsql;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>The PostgreSQL cursor state stays bounded however many rows the lookback window holds, without losing or duplicating a row.</summary>
public sealed class PostgresStateSizeTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private const string Contract = """
        apiVersion: v3.0.2
        kind: DataContract
        name: pg_events
        version: "1.0"
        domain: shop
        schema:
          - {name: id, type: bigint, required: true}
          - {name: updated_at, type: timestamp, required: true}
          - {name: note, type: string}
        team:
          owner: data@acme.com
        """;

    private async Task ExecAsync(string sql)
    {
        await using var c = new NpgsqlConnection(db.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 300 };
        await cmd.ExecuteNonQueryAsync();
    }

    [SkippableFact]
    public async Task A_200k_row_lookback_keeps_the_state_small_over_five_loads_and_every_row_arrives_once()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        // 200,000 rows within the last day of the cursor: all of them inside a 1-day lookback window
        await ExecAsync("""
            CREATE TABLE big_window (id bigint, updated_at timestamp NOT NULL, note text);
            INSERT INTO big_window SELECT i, timestamp '2024-03-01' + i * interval '400 milliseconds', 'n' || i FROM generate_series(1, 200000) i;
            """);
        using var f = new JobFolder();
        f.Write("contract.yaml", Contract);
        var job = f.Write("job.yaml", $"""
            tenant_id: acme
            source_connector: postgres
            target_connector: iceberg
            asset: pg_events
            asset_path: contract.yaml
            source:
              dsn: "{db.ConnectionString}"
              tables:
                - name: public.big_window
                  cursor_field: updated_at
              incremental:
                lookback_days: 1
            """);
        long expected = 200_000;
        var next = 200_001;
        for (var load = 0; load < 5; load++)
        {
            if (load > 0)
            {
                // new rows past the cursor, late rows inside the window, and an exact copy of a row already loaded (a second row)
                await ExecAsync($"""
                    INSERT INTO big_window VALUES
                      ({next}, timestamp '2024-03-02 00:00' + interval '{load} hours', 'new'),
                      ({next + 1}, timestamp '2024-03-02 00:00' + interval '{load} hours', 'new, same cursor'),
                      ({next + 2}, timestamp '2024-03-01 12:00', 'late'),
                      ({next + 3}, timestamp '2024-03-01 23:00', 'late');
                    INSERT INTO big_window SELECT * FROM big_window WHERE id = {100_000 + load};
                    """);
                next += 4;
                expected += 5;
            }
            var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
            Assert.True(r.ExitCode == 0, r.All);
            var meta = await LakeReader.MetadataAsync(f.Warehouse, "shop", "pg_events");
            var state = meta.Properties["dativo.state.acme.pg_events"];
            Assert.True(state.Length < 64 * 1024, $"load {load}: the job state is {state.Length:N0} characters");
        }
        var again = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("no new data", again.Stdout, StringComparison.Ordinal);

        var files = await LakeReader.DataFilesAsync(f.Warehouse, "shop", "pg_events");
        Assert.Equal(expected, LakeReader.Scalar(files, "SELECT count(*) FROM read_parquet({files})"));
        Assert.Equal(next - 1, LakeReader.Scalar(files, "SELECT count(DISTINCT id) FROM read_parquet({files})"));
        // the copied rows: twice in the source, twice in the table
        Assert.Equal(8, LakeReader.Scalar(files, "SELECT count(*) FROM read_parquet({files}) WHERE id BETWEEN 100001 AND 100004"));
    }

    [Fact]
    public void The_digest_gives_back_exactly_the_rows_added_and_refuses_too_many()
    {
        var before = new RowDigest();
        var after = new RowDigest();
        var rng = new Random(7);
        var hashes = Enumerable.Range(0, 200_000).Select(_ => (ulong)rng.NextInt64()).ToList();
        foreach (var h in hashes) before.Add(h);
        var added = Enumerable.Range(0, 1000).Select(_ => (ulong)rng.NextInt64()).ToList();
        foreach (var h in hashes.Concat(added).Append(hashes[0])) after.Add(h);
        var restored = RowDigest.FromBase64(after.ToBase64(), after.Rows)!;
        var found = RowDigest.Added(RowDigest.FromBase64(before.ToBase64(), before.Rows)!, restored);
        Assert.NotNull(found);
        Assert.Equal(added.Append(hashes[0]).Order(), found.SelectMany(kv => Enumerable.Repeat(kv.Key, kv.Value)).Order());

        foreach (var _ in Enumerable.Range(0, 5000)) after.Add((ulong)rng.NextInt64());
        Assert.Null(RowDigest.Added(before, after));
    }
}
