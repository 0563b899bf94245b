using System.Globalization;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Running;
using Dativo.Ingestion.Secrets;
using Dativo.Ingestion.Sources.Postgres;
using Dativo.Ingestion.State;
using Dativo.Ingestion.Tests.Support;
using Dativo.Lake.State;
using Dativo.Testing;
using Dativo.Testing.Services;
using Npgsql;

namespace Dativo.Ingestion.Tests.Postgres;

/// <summary>
/// The binary COPY decoder against a real server: every value the source yields equals the value PostgreSQL prints for
/// it (<c>col::text</c>, parsed here into the CLR type), with big and tiny read buffers; undecodable values fail naming
/// table and column.
/// </summary>
public sealed class PgBinaryCopyTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private const string AllTypes = """
        CREATE TABLE all_types (
          id integer, i2 smallint, i4 integer, i8 bigint, n numeric, n2 numeric(12,2), f4 real, f8 double precision,
          b boolean, t text, vc varchar(20), c char(5), d date, ts timestamp, tstz timestamptz, tm time, u uuid, by bytea,
          iv interval, js jsonb);
        INSERT INTO all_types VALUES
          (1, -32768, -2147483648, -9223372036854775808, 0, 0.00, -3.4028235e38, 'NaN', true, '', '', '',
           '1999-12-31', '1969-07-20 20:17:40.5', '1900-01-01 00:00:00+00', '00:00:00', '00000000-0000-0000-0000-000000000000',
           '\x', '1 day', '{}'),
          (2, 32767, 2147483647, 9223372036854775807, -0.01, -0.01, 1.17549435e-38, 'Infinity', false,
           'héllo wörld ✓ 日本語 🎉', 'ß€𝄞', 'ab', '0001-01-01', '9999-12-31 23:59:59.999999', '2262-04-11 23:47:16.854775+00',
           '23:59:59.999999', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x00ff10', '-1 years 2 mons 3 days 04:05:06.7', '{"a": [1, 2.5, "x"]}'),
          (3, 0, 0, 0, 12345678901234.5678, 9999999999.99, 0.1, '-Infinity', NULL, ' leading and trailing ', 'x', 'abcde',
           '1970-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00.000001+00', '24:00:00', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
           '\xdeadbeef', '00:00:00', 'null'),
          (4, 1, -1, -1, 1.000000, -1.5, 'Infinity', 2.2250738585072014e-308, true, repeat('long value ', 40), NULL, NULL,
           '1582-10-15', '1899-12-31 23:59:59.999999', '2999-06-15 12:00:00+00', '12:34:56.789', NULL, NULL, NULL, NULL),
          (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          (6, 2, 2, 2, 100000000000000000000, 0.5, '-Infinity', 1.7976931348623157e308, false, 'NULL', 'null', 'NULL',
           'infinity', 'infinity', 'infinity', '00:00:00.000001', '123e4567-e89b-12d3-a456-426614174000', '\x00', '1 mon', '[]'),
          (7, 3, 3, 3, -12345678901234.5678, 12.30, 'NaN', -0.0, true, E'tab\there\nnewline', 'x', ' ',
           '-infinity', '-infinity', '-infinity', '00:00:01', '00000000-0000-0000-0000-000000000001', '\x0001', '-00:00:01', '"s"');
        """;

    // numerics that fit a decimal, each with the scale PostgreSQL prints (dscale), including more places than digits
    private static readonly string[] Numerics =
    [
        "0", "0.00", "-0.01", "0.5", "1", "-1", "10", "100", "1000", "10000", "100000000", "1.50", "5.00", "123.45",
        "12345678901234.5678", "-12345678901234.5678", "1.000000", "0.0000001", "0.000000000000000000000000000", "100000000000000000000",
        "79228162514264337593543950335", "-79228162514264337593543950335", "7922816251426433759354395033.5",
        "0.0000000000000000000000000001", "1234567890.0987654321", "99999999.9999", "0.0001", "0.001", "0.01", "0.1",
        "9999.9999", "10000.0001", "1e-10", "123456789012345678", "1234567890123456789", "12345678901234567890.123",
        "0.1000", "1e27", "-1e20", "3.141592653589793238462643383", "18446744073709551615", "18446744073709551616",
    ];

    [SkippableFact]
    public async Task Every_type_matches_what_the_server_prints()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        await ExecAsync(AllTypes);
        await AssertMatchesServerAsync("all_types", rows: 7);
    }

    [SkippableFact]
    public async Task Numerics_decode_exactly_with_their_display_scale()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        await ExecAsync("CREATE TABLE nums (id integer, n numeric); INSERT INTO nums VALUES " +
            string.Join(", ", Numerics.Select((v, i) => $"({i}, {v}::numeric)")));
        await AssertMatchesServerAsync("nums", rows: Numerics.Length);
        var yielded = await ReadAsync("nums");
        // decimal's own text keeps the scale: the same characters as PostgreSQL's
        var text = await ServerTextAsync("nums");
        for (var r = 0; r < yielded.Count; r++)
            Assert.Equal(text[r][1], ((decimal)yielded[r][1]!).ToString(CultureInfo.InvariantCulture));
    }

    [SkippableTheory]
    [InlineData(16)]
    [InlineData(61)]
    [InlineData(4096)]
    public async Task Values_cut_by_the_end_of_a_tiny_buffer_are_read_whole(int bufferSize)
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        var table = $"cut_{bufferSize}";
        // rows of every width, so fields and lengths straddle the buffer end at every offset; one row far larger than the buffer
        await ExecAsync($"""
            CREATE TABLE {table} AS
            SELECT i AS id, repeat(chr(945 + i % 20), i % 37) AS t, (i * 1.25)::numeric(14,2) AS n, i::bigint * 1000003 AS l,
                   CASE WHEN i % 5 = 0 THEN NULL ELSE timestamp '1990-01-01' + i * interval '37 minutes 1.5 seconds' END AS ts,
                   md5(i::text)::uuid AS u, decode(repeat('ab', i % 9), 'hex') AS by, 'status-' || (i % 3) AS s
            FROM generate_series(1, 3000) AS g(i);
            UPDATE {table} SET t = repeat('🎉x', 6000) WHERE id = 1234;
            """);
        await AssertMatchesServerAsync(table, rows: 3000, bufferSize: bufferSize, batchRows: 500);
    }

    [SkippableTheory]
    [InlineData("NaN", "numeric NaN has no decimal value")]
    [InlineData("Infinity", "numeric Infinity has no decimal value")]
    [InlineData("-Infinity", "numeric -Infinity has no decimal value")]
    [InlineData("1e40", "numeric value does not fit a decimal")]
    public async Task A_numeric_without_a_decimal_fails_naming_table_row_and_column(string value, string problem)
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        var table = "bad_" + Guid.NewGuid().ToString("N")[..8];
        // the bad value early in a long table: the source stops the COPY rather than draining the rest
        await ExecAsync($"CREATE TABLE {table} (id integer, amount numeric); " +
            $"INSERT INTO {table} SELECT i, CASE WHEN i = 3 THEN '{value}'::numeric ELSE i END FROM generate_series(1, 300000) i");
        var e = await Assert.ThrowsAsync<DativoException>(() => ReadAsync(table));
        Assert.StartsWith($"public.{table} row 3, column amount (numeric): {problem}", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Numeric_NaN_fails_the_run_with_the_table_and_column_in_its_status()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        await ExecAsync("CREATE TABLE nan_run (id bigint, total numeric); INSERT INTO nan_run VALUES (1, 1.5), (2, 'NaN')");
        using var f = new JobFolder();
        var job = Job(f, "nan_run");
        var r = await CliRunner.RunAsync(f.Path, ["run", "--config", job]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("public.nan_run row 2, column total (numeric): numeric NaN has no decimal value", r.All, StringComparison.Ordinal);
    }

    private string Job(JobFolder f, string table)
    {
        f.Write("contract.yaml", """
            apiVersion: v3.0.2
            kind: DataContract
            name: pg_copy
            version: "1.0"
            domain: shop
            schema:
              - {name: id, type: bigint}
            team:
              owner: data@acme.com
            """);
        return f.Write("job.yaml", $"""
            tenant_id: acme
            source_connector: postgres
            target_connector: iceberg
            asset: pg_copy
            asset_path: contract.yaml
            source:
              dsn: "{db.ConnectionString}"
              tables:
                - name: public.{table}
            """);
    }

    /// <summary>Reads <paramref name="table"/> through the source and compares every value with the server's text of it, row by row in id order.</summary>
    private async Task AssertMatchesServerAsync(string table, int rows, int bufferSize = 1 << 20, int batchRows = 131_072)
    {
        var types = await TypesAsync(table);
        var text = await ServerTextAsync(table);
        var yielded = (await ReadAsync(table, bufferSize, batchRows)).OrderBy(r => Convert.ToInt64(r[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(rows, yielded.Count);
        Assert.Equal(rows, text.Count);
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < types.Count; c++)
            {
                var expected = PgText.Parse(types[c], text[r][c]);
                var actual = yielded[r][c];
                if (expected is byte[] bytes) Assert.Equal(bytes, Assert.IsType<byte[]>(actual));
                else Assert.True(Equals(expected, actual), $"{table} row {text[r][0]} column {c} ({types[c]}): server '{text[r][c]}', read {Show(actual)}");
            }
    }

    private static string Show(object? v) => v is null ? "NULL" : $"{v} ({v.GetType().Name})";

    /// <summary>Every row the source yields for <paramref name="table"/>, each a copy (the source reuses its arrays).</summary>
    private async Task<List<object?[]>> ReadAsync(string table, int bufferSize = 1 << 20, int batchRows = 131_072)
    {
        using var f = new JobFolder();
        var job = JobLoader.Load(Job(f, table), _ => null);
        var o = new RunOptions
        {
            WorkDir = f.Path, Time = TimeProvider.System, Env = _ => null, BatchRows = batchRows,
            State = StateStores.Open(new StateStoreOptions { Directory = f.Path, Time = TimeProvider.System }),
            Secrets = new SecretResolver(_ => null, null),
        };
        var rows = new List<object?[]>();
        await foreach (var b in new PostgresSource(job, o, bufferSize).ReadAsync(new SourceState(), CancellationToken.None))
            for (var r = 0; r < b.Count; r++)
                rows.Add([.. Enumerable.Range(0, b.Names.Count).Select(c => b.Value(c, r))]);
        return rows;
    }

    private async Task<List<string>> TypesAsync(string table)
    {
        await using var c = new NpgsqlConnection(db.ConnectionString);
        await c.OpenAsync();
        return [.. (await PgColumn.ListAsync(c, "public", table, CancellationToken.None)).Select(x => x.Type)];
    }

    private async Task<List<string?[]>> ServerTextAsync(string table)
    {
        await using var c = new NpgsqlConnection(db.ConnectionString);
        await c.OpenAsync();
        var cols = await PgColumn.ListAsync(c, "public", table, CancellationToken.None);
        // concat() prints through each type's output function, which keeps char(n)'s padding (a cast to text drops it)
        var select = string.Join(", ", cols.Select(x => $"CASE WHEN src.{PgSql.Ident(x.Name)} IS NULL THEN NULL ELSE concat(src.{PgSql.Ident(x.Name)}) END"));
        await using var cmd = new NpgsqlCommand($"SET TIME ZONE 'UTC'; SELECT {select} FROM public.{table} AS src ORDER BY src.{PgSql.Ident(cols[0].Name)}", c);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<string?[]>();
        while (await r.ReadAsync()) rows.Add([.. Enumerable.Range(0, cols.Count).Select(i => r.IsDBNull(i) ? null : r.GetString(i))]);
        return rows;
    }

    private async Task ExecAsync(string sql)
    {
        await using var c = new NpgsqlConnection(db.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}
