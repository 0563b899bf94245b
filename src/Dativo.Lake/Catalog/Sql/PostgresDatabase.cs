using System.Data.Common;
using Npgsql;

namespace Dativo.Lake.Catalog.Sql;

/// <summary>A PostgreSQL database reached through Npgsql (pooled connections).</summary>
internal sealed class PostgresDatabase : SqlDatabase
{
    private readonly string _connectionString;

    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionStrings.ToNpgsql(connectionString));
        _connectionString = builder.ConnectionString;
        Description = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
    }

    public override string Description { get; }

    public override string BinaryCollation => "COLLATE \"C\"";

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async Task<bool> ColumnExistsAsync(DbConnection connection, string table, string column, CancellationToken ct)
    {
        var n = await connection.ScalarAsync(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t AND column_name = @c",
            ct, ("@t", table), ("@c", column));
        return Convert.ToInt64(n) > 0;
    }

    public override bool IsTransient(Exception e) => e is PostgresException
    {
        // serialization_failure, deadlock_detected, unique_violation (concurrent CREATE TABLE IF NOT EXISTS), duplicate_table/object
        SqlState: "40001" or "40P01" or "23505" or "42P07" or "42710" or "42701"
    };
}
