using System.Data.Common;
using Dativo.Core.Errors;
using Dativo.Lake.Storage.Local;
using Microsoft.Data.Sqlite;

namespace Dativo.Lake.Catalog.Sql;

/// <summary>
/// A SQLite file in WAL mode with a busy timeout, so several processes can read while one writes
/// and writers queue instead of failing. The file is created only when it does not exist, and then atomically (built
/// under a temporary name, linked into place): an existing file that is empty or not a database is an error, never
/// silently re-initialised — an empty catalog would hide every table.
/// </summary>
internal sealed class SqliteDatabase : SqlDatabase
{
    private readonly string _connectionString;
    private readonly string _what;
    private readonly Lock _gate = new();
    private bool _fileReady;

    /// <param name="what">What the database holds, for messages ("catalog", "state store").</param>
    public SqliteDatabase(string path, TimeSpan? busyTimeout = null, string what = "SQLite")
    {
        Path = System.IO.Path.GetFullPath(path);
        _what = what;
        BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(30);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWrite,
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
        EnsureFile();
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

    public override DativoException? Describe(Exception e)
    {
        if (e is not SqliteException s) return null;
        var (problem, fix) = (s.SqliteErrorCode & 0xFF) switch
        {
            5 or 6 => ("is locked by another process", $"retry when the other dativo process is done (waited {BusyTimeout.TotalSeconds:0} s)"),
            8 => ("is read-only", "make the file and its folder writable for this user"),
            10 => ("had a disk I/O error", $"check free space and the health of the file system holding {System.IO.Path.GetDirectoryName(Path)}, then re-run"),
            11 or 26 => ("is damaged or not a SQLite database", DamagedFix()),
            13 => ("cannot grow: the disk is full", $"free space on the file system holding {System.IO.Path.GetDirectoryName(Path)} and re-run"),
            14 => ("cannot be opened", $"check that {Path} exists and its folder is writable (dativo creates it only when it does not exist)"),
            _ => ($"failed ({s.Message})", "see the SQLite error above"),
        };
        return new DativoException($"{_what} database {Path} {problem} ({s.Message.TrimEnd('.')}); {fix}.", inner: e);
    }

    private string DamagedFix() =>
        $"restore it from a backup. Moving it away makes dativo start an empty {_what} database there" +
        (_what == "catalog" ? " (the tables' files stay in the warehouse but are no longer listed)" : "");

    /// <summary>Refuses an empty existing file; creates a missing one atomically.</summary>
    private void EnsureFile()
    {
        lock (_gate)
        {
            if (_fileReady) return;
            var info = new FileInfo(Path);
            if (info.Exists)
            {
                if (info.Length == 0 && !HasWal())
                    throw new DativoException(
                        $"{_what} database {Path} is empty (0 bytes): it was truncated (a crash, a full disk or a bad copy), and dativo " +
                        $"does not re-create an existing file. Restore it from a backup; if you mean to start over, delete it" +
                        (_what == "catalog" ? " (the tables' files stay in the warehouse but are no longer listed)." : "."));
            }
            else
            {
                Create();
            }
            _fileReady = true;
        }
    }

    private bool HasWal() => new FileInfo(Path + "-wal") is { Exists: true, Length: > 0 };

    /// <summary>Builds an empty WAL-mode database under a temporary name and links it into place unless another process was first.</summary>
    private void Create()
    {
        var dir = System.IO.Path.GetDirectoryName(Path)!;
        var temp = System.IO.Path.Combine(dir, "." + System.IO.Path.GetFileName(Path) + "." + Guid.NewGuid().ToString("N")[..12] + LocalObjectStore.TempSuffix);
        try
        {
            DirectorySync.CreateDurably(dir);
            var builder = new SqliteConnectionStringBuilder { DataSource = temp, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
            using (var c = new SqliteConnection(builder.ToString()))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "PRAGMA journal_mode = WAL;"; // writes the header: the file is a database from now on
                cmd.ExecuteNonQuery();
            }
            using (var handle = File.OpenHandle(temp, FileMode.Open, FileAccess.ReadWrite))
                RandomAccess.FlushToDisk(handle);
            LocalObjectStore.Publish(temp, Path, overwrite: false); // false: another process created it first; use theirs
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException)
        {
            LocalObjectStore.TryDelete(temp);
            throw new DativoException($"cannot create the {_what} database {Path}: {e.Message}; check that the folder is writable and has free space", inner: e);
        }
        finally
        {
            LocalObjectStore.TryDelete(temp + "-wal");
            LocalObjectStore.TryDelete(temp + "-shm");
        }
    }
}
