using Dativo.Core.Config.Jobs;
using Dativo.Ingestion.Secrets;
using Dativo.Ingestion.Sources.Postgres;
using Npgsql;

namespace Dativo.Ingestion.Discovery;

/// <summary>Tables, views and columns of a PostgreSQL database from information_schema (comments from pg_description).</summary>
internal static class PostgresDiscovery
{
    private const string Sql = """
        SELECT c.table_schema, c.table_name, t.table_type, c.column_name,
               pg_catalog.format_type(a.atttypid, a.atttypmod), c.is_nullable = 'YES',
               pg_catalog.col_description(cls.oid, a.attnum), pg_catalog.obj_description(cls.oid, 'pg_class')
        FROM information_schema.columns c
        JOIN information_schema.tables t
          ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema AND t.table_name = c.table_name
        JOIN pg_catalog.pg_namespace n ON n.nspname = c.table_schema
        JOIN pg_catalog.pg_class cls ON cls.relnamespace = n.oid AND cls.relname = c.table_name
        JOIN pg_catalog.pg_attribute a ON a.attrelid = cls.oid AND a.attname = c.column_name
        WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY c.table_schema, c.table_name, c.ordinal_position
        """;

    public static async Task<IReadOnlyList<DiscoveredTable>> TablesAsync(LoadedJob job, SecretResolver secrets, Func<string, string?> env, CancellationToken ct)
    {
        var cs = await PgConnection.BuildAsync(job, secrets, env, ct).ConfigureAwait(false);
        var configured = job.Tables.Select(t => t.Name.Contains('.', StringComparison.Ordinal) ? t.Name : "public." + t.Name)
            .ToHashSet(StringComparer.Ordinal);
        await using var conn = new NpgsqlConnection(cs);
        try { await conn.OpenAsync(ct).ConfigureAwait(false); }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException)
        {
            throw new Core.Errors.DativoException($"{job.File}: cannot connect to PostgreSQL ({secrets.Redact(e.Message)}); check source.dsn / source.connection or the tenant's postgres secret");
        }
        await using var cmd = new NpgsqlCommand(Sql, conn);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var tables = new List<DiscoveredTable>();
        List<DiscoveredColumn>? cols = null;
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            var schema = r.GetString(0);
            var name = r.GetString(1);
            if (tables.Count == 0 || tables[^1].Schema != schema || tables[^1].Name != name)
            {
                cols = [];
                var kind = r.GetString(2) == "VIEW" ? "view" : "table";
                tables.Add(new DiscoveredTable(schema, name, kind, r.IsDBNull(7) ? null : r.GetString(7), configured.Contains($"{schema}.{name}"), cols));
            }
            cols!.Add(new DiscoveredColumn(r.GetString(3), r.GetString(4), r.GetBoolean(5), r.IsDBNull(6) ? null : r.GetString(6)));
        }
        return tables;
    }
}
