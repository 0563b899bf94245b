using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Dativo.Lake.Catalog.Sql;

/// <summary>
/// A SQLite file in WAL mode with a busy timeout, so several processes can read while one writes
/// and writers queue instead of failing.
/// </summary>
internal sealed class SqliteDatabase : SqlDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(string path, TimeSpan? busyTimeout = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(30);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(BusyTimeout.TotalSeconds),
        }.ToString();
    }

    public string Path { get; }

    public TimeSpan BusyTimeout { get; }

    public override string Description => "sqlite:///" + Path.TrimStart('/');

    public override string BinaryCollation => "COLLATE BINARY";

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct);
            // busy_timeout first: switching to WAL needs a lock another process may hold.
            await connection.ExecuteAsync($"PRAGMA busy_timeout = {(long)BusyTimeout.TotalMilliseconds};", ct);
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;", ct);
            await connection.ExecuteAsync("PRAGMA synchronous = FULL;", ct);
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
        var n = await connection.ScalarAsync("SELECT COUNT(*) FROM pragma_table_info(@t) WHERE name = @c", ct, ("@t", table), ("@c", column));
        return Convert.ToInt64(n) > 0;
    }

    public override bool IsTransient(Exception e) =>
        e is SqliteException { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED
}
