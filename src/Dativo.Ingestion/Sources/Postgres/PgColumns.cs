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
        "smallint" => new PgValueReader<int>(capacity, static e => e.Read<short>()),
        "integer" => new PgValueReader<int>(capacity, static e => e.Read<int>()),
        "bigint" => new PgValueReader<long>(capacity, static e => e.Read<long>()),
        "numeric" => new PgValueReader<decimal>(capacity, static e => e.Read<decimal>()),
        "real" => new PgValueReader<double>(capacity, static e => e.Read<float>()),
        "double precision" => new PgValueReader<double>(capacity, static e => e.Read<double>()),
        "boolean" => new PgValueReader<bool>(capacity, static e => e.Read<bool>()),
        "date" => new PgValueReader<DateOnly>(capacity, static e => e.Read<DateOnly>()),
        "timestamp without time zone" => new PgValueReader<DateTime>(capacity, static e => DateTime.SpecifyKind(e.Read<DateTime>(), DateTimeKind.Utc)),
        "timestamp with time zone" => new PgValueReader<DateTime>(capacity, static e => e.Read<DateTime>()),
        "time without time zone" => new PgValueReader<TimeSpan>(capacity, static e => e.Read<TimeSpan>()),
        "uuid" => new PgValueReader<Guid>(capacity, static e => e.Read<Guid>()),
        "bytea" => new PgRefReader<byte[]>(capacity, static e => e.Read<byte[]>()),
        _ => new PgRefReader<string>(capacity, static e => e.Read<string>()),
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

/// <summary>Reads one column's binary COPY values into a typed array.</summary>
internal abstract class PgColumnReader
{
    public abstract Array Data { get; }

    /// <summary>Reads the current (non-null) value into row <paramref name="row"/>.</summary>
    public abstract void Read(NpgsqlBinaryExporter e, int row);

    public abstract void SetNull(int row);
}

internal sealed class PgValueReader<T>(int capacity, Func<NpgsqlBinaryExporter, T> read) : PgColumnReader where T : struct
{
    private readonly T?[] _data = new T?[capacity];

    public override Array Data => _data;

    public override void Read(NpgsqlBinaryExporter e, int row) => _data[row] = read(e);

    public override void SetNull(int row) => _data[row] = null;
}

internal sealed class PgRefReader<T>(int capacity, Func<NpgsqlBinaryExporter, T> read) : PgColumnReader where T : class
{
    private readonly T?[] _data = new T?[capacity];

    public override Array Data => _data;

    public override void Read(NpgsqlBinaryExporter e, int row) => _data[row] = read(e);

    public override void SetNull(int row) => _data[row] = null;
}
