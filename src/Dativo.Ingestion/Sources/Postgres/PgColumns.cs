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

    /// <summary>
    /// A reader filling one typed array per batch (reused across batches): smallint/integer → int?[], bigint → long?[],
    /// numeric → decimal?[], real/double → double?[], boolean → bool?[], date → DateOnly?[], timestamps → DateTime?[] (UTC),
    /// time → TimeSpan?[], uuid → Guid?[], bytea → byte[]?[], everything else (read as text) → string?[].
    /// </summary>
    public PgColumnReader Reader(int capacity) => Type switch
    {
        "smallint" => new PgValueReader<int, Int2Decoder>(this, capacity),
        "integer" => new PgValueReader<int, Int4Decoder>(this, capacity),
        "bigint" => new PgValueReader<long, Int8Decoder>(this, capacity),
        "numeric" => new PgValueReader<decimal, NumericDecoder>(this, capacity),
        "real" => new PgValueReader<double, Float4Decoder>(this, capacity),
        "double precision" => new PgValueReader<double, Float8Decoder>(this, capacity),
        "boolean" => new PgValueReader<bool, BoolDecoder>(this, capacity),
        "date" => new PgValueReader<DateOnly, DateDecoder>(this, capacity),
        "timestamp without time zone" or "timestamp with time zone" => new PgValueReader<DateTime, TimestampDecoder>(this, capacity),
        "time without time zone" => new PgValueReader<TimeSpan, TimeDecoder>(this, capacity),
        "uuid" => new PgValueReader<Guid, UuidDecoder>(this, capacity),
        "bytea" => new PgBytesReader(this, capacity),
        _ => new PgTextReader(this, capacity),
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
