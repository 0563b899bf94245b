using Npgsql;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>A column as binary COPY delivers it: name, PostgreSQL type name, and how it is selected (cast to text when Dativo has no binary reader for the type).</summary>
internal sealed record PgColumn(string Name, string Type)
{
    public static readonly HashSet<string> Binary = new(StringComparer.Ordinal)
    {
        "smallint", "integer", "bigint", "numeric", "real", "double precision", "boolean", "text", "character varying", "character",
        "date", "timestamp without time zone", "timestamp with time zone", "time without time zone", "uuid", "bytea",
    };

    public bool Native => Binary.Contains(Type);

    public string Select => Native ? PgSql.Ident(Name) : $"{PgSql.Ident(Name)}::text AS {PgSql.Ident(Name)}";

    public object? Read(NpgsqlBinaryExporter e) => Type switch
    {
        "smallint" => (long)e.Read<short>(),
        "integer" => (long)e.Read<int>(),
        "bigint" => e.Read<long>(),
        "numeric" => e.Read<decimal>(),
        "real" => (double)e.Read<float>(),
        "double precision" => e.Read<double>(),
        "boolean" => e.Read<bool>(),
        "date" => e.Read<DateOnly>(),
        "timestamp without time zone" => DateTime.SpecifyKind(e.Read<DateTime>(), DateTimeKind.Utc),
        "timestamp with time zone" => e.Read<DateTime>(),
        "time without time zone" => e.Read<TimeSpan>(),
        "uuid" => e.Read<Guid>(),
        "bytea" => e.Read<byte[]>(),
        _ => e.Read<string>(),
    };

    /// <summary>Columns of a table in ordinal order.</summary>
    public static async Task<List<PgColumn>> ListAsync(NpgsqlConnection conn, string schema, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = @s AND table_name = @t ORDER BY ordinal_position", conn);
        cmd.Parameters.AddWithValue("s", schema);
        cmd.Parameters.AddWithValue("t", table);
        var list = new List<PgColumn>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(new PgColumn(r.GetString(0), r.GetString(1)));
        return list;
    }
}

internal static class PgSql
{
    public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static (string Schema, string Table) Split(string name)
    {
        var dot = name.IndexOf('.');
        return dot < 0 ? ("public", name) : (name[..dot], name[(dot + 1)..]);
    }
}
