using System.Data.Common;

namespace Dativo.Lake.Catalog.Sql;

/// <summary>
/// A SQL database the catalog and the state store keep their rows in: SQLite (a local file) or
/// PostgreSQL. The statements are shared; the few dialect differences are members here.
/// </summary>
internal abstract class SqlDatabase
{
    /// <summary>Where the rows are, for messages (never includes a password).</summary>
    public abstract string Description { get; }

    /// <summary><c>COLLATE</c> clause giving byte-wise (code point) ordering of text.</summary>
    public abstract string BinaryCollation { get; }

    /// <summary>Opens a connection configured for concurrent use (busy timeout, WAL on SQLite).</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>True when a column exists, used to upgrade tables created by other tools.</summary>
    public abstract Task<bool> ColumnExistsAsync(DbConnection connection, string table, string column, CancellationToken ct);

    /// <summary>True for errors worth retrying: lock contention, serialization failures, concurrent DDL.</summary>
    public abstract bool IsTransient(Exception e);

    /// <summary>A user error naming the database and the fix for a database error (full disk, damaged file), or null to let it pass.</summary>
    public virtual Core.Errors.DativoException? Describe(Exception e) => null;
}

/// <summary>Small helpers to run parameterised statements on either backend.</summary>
internal static class SqlCommands
{
    public static DbCommand Command(this DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = connection.Command(sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task<object?> ScalarAsync(this DbConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = connection.Command(sql, parameters);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }
}
