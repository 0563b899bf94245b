using System.Data.Common;
using Dativo.Core.Errors;
using DuckDB.NET.Data;

namespace Dativo.Lake.Engine;

/// <summary>
/// The embedded SQL engine: one DuckDB connection (in-memory unless a database file is given). All native
/// DuckDB access of the product goes through here. Extension auto-install/auto-load is switched off because
/// only the built-in extensions (parquet, json, icu) exist on the machines Dativo runs on.
/// Not thread-safe: one engine per unit of work.
/// </summary>
public sealed class DuckDbEngine : IDisposable, IAsyncDisposable
{
    private readonly DuckDBConnection _connection;

    private DuckDbEngine(DuckDBConnection connection) => _connection = connection;

    /// <summary>Opens an engine; <paramref name="databasePath"/> null means in-memory.</summary>
    /// <param name="threads">DuckDB worker threads; null keeps DuckDB's default (all cores).</param>
    public static async Task<DuckDbEngine> OpenAsync(string? databasePath = null, int? threads = null, CancellationToken ct = default)
    {
        var connection = new DuckDBConnection("DataSource=" + (databasePath ?? ":memory:"));
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            var engine = new DuckDbEngine(connection);
            await engine.ExecuteAsync("SET autoinstall_known_extensions=false", ct: ct).ConfigureAwait(false);
            await engine.ExecuteAsync("SET autoload_known_extensions=false", ct: ct).ConfigureAwait(false);
            if (threads is { } t) await engine.ExecuteAsync($"SET threads={Math.Max(1, t)}", ct: ct).ConfigureAwait(false);
            return engine;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs one statement (named parameters as <c>$name</c>); returns the affected row count.</summary>
    public async Task<long> ExecuteAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken ct = default)
    {
        await using var cmd = Command(sql, parameters);
        using var reg = RegisterCancel(cmd, ct);
        return await Guard(() => cmd.ExecuteNonQueryAsync(ct), sql, ct).ConfigureAwait(false);
    }

    /// <summary>Runs a query and materialises all rows (DBNull becomes null).</summary>
    public async Task<QueryResult> QueryAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken ct = default)
    {
        await using var cmd = Command(sql, parameters);
        using var reg = RegisterCancel(cmd, ct);
        return await Guard(async () =>
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var columns = new QueryColumn[reader.FieldCount];
            for (var i = 0; i < columns.Length; i++)
                columns[i] = new QueryColumn(reader.GetName(i), reader.GetFieldType(i), reader.GetDataTypeName(i));
            var rows = new List<object?[]>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var row = new object?[columns.Length];
                for (var i = 0; i < row.Length; i++)
                    row[i] = reader.IsDBNull(i) ? null : Materialize(reader.GetValue(i));
                rows.Add(row);
            }
            return new QueryResult(columns, rows);
        }, sql, ct).ConfigureAwait(false);
    }

    /// <summary>Runs a query and streams its rows (for large results: scans, batch readers).</summary>
    public async Task<QueryReader> OpenReaderAsync(string sql, CancellationToken ct = default)
    {
        var cmd = Command(sql, null);
        // without streaming mode DuckDB.NET materialises the whole result before the first row (a 3 M-row scan: ~600 MB)
        cmd.UseStreamingMode = true;
        try
        {
            var reader = await Guard(async () => (DbDataReader)await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false), sql, ct).ConfigureAwait(false);
            return new QueryReader(cmd, reader);
        }
        catch
        {
            await cmd.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs a query returning one value (the first column of the first row).</summary>
    public async Task<object?> ScalarAsync(string sql, CancellationToken ct = default)
    {
        await using var cmd = Command(sql, null);
        using var reg = RegisterCancel(cmd, ct);
        var v = await Guard(() => cmd.ExecuteScalarAsync(ct), sql, ct).ConfigureAwait(false);
        return v is DBNull ? null : v;
    }

    // BLOB values come back as streams over the reader's chunk memory, which the next chunk reuses: copy them out.
    private static object Materialize(object value)
    {
        if (value is not Stream s) return value;
        using (s)
        {
            using var copy = new MemoryStream();
            s.CopyTo(copy);
            return copy.ToArray();
        }
    }

    /// <summary>Reads a SQL file (one query) and runs it with <see cref="QueryAsync"/>.</summary>
    public async Task<QueryResult> QueryFileAsync(string path, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken ct = default)
        => await QueryAsync(await ReadSqlFileAsync(path, ct).ConfigureAwait(false), parameters, ct).ConfigureAwait(false);

    /// <summary>Creates (or replaces) view <paramref name="name"/> over Parquet files; optional view→file column renames.</summary>
    public Task RegisterParquetViewAsync(string name, IReadOnlyList<string> files, IReadOnlyDictionary<string, string>? columnMapping = null, CancellationToken ct = default)
        => RegisterViewAsync(name, $"SELECT {SqlText.Projection(columnMapping)} FROM read_parquet({SqlText.FileList(files)}, hive_partitioning = false)", ct);

    /// <summary>Creates (or replaces) view <paramref name="name"/> over CSV files with a header row (types detected).</summary>
    public Task RegisterCsvViewAsync(string name, IReadOnlyList<string> files, CancellationToken ct = default)
        => RegisterViewAsync(name, $"SELECT * FROM read_csv({SqlText.FileList(files)}, header = true, union_by_name = true)", ct);

    /// <summary>Creates (or replaces) view <paramref name="name"/> as <paramref name="selectSql"/>.</summary>
    public async Task RegisterViewAsync(string name, string selectSql, CancellationToken ct = default)
        => await ExecuteAsync($"CREATE OR REPLACE VIEW {SqlText.Identifier(name)} AS {selectSql}", ct: ct).ConfigureAwait(false);

    /// <summary>
    /// Writes the result of <paramref name="query"/> to one file: Parquet (zstd) with DuckDB's COPY; CSV with a
    /// header, streamed through <see cref="CsvText"/> (full round-trip precision for doubles). Written to a
    /// temporary name and renamed, so a reader never sees a half-written file.
    /// </summary>
    public async Task ExportAsync(string query, string path, ExportFormat format, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken ct = default)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            if (format == ExportFormat.Parquet)
                await ExecuteAsync($"COPY (\n{StripTerminator(query)}\n) TO {SqlText.Literal(tmp)} (FORMAT parquet, COMPRESSION zstd)", parameters, ct).ConfigureAwait(false);
            else
                await WriteCsvAsync(query, tmp, parameters, ct).ConfigureAwait(false);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private async Task WriteCsvAsync(string query, string path, IReadOnlyDictionary<string, object?>? parameters, CancellationToken ct)
    {
        await using var cmd = Command(StripTerminator(query), parameters);
        using var reg = RegisterCancel(cmd, ct);
        await Guard(async () =>
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var w = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false), 1 << 20);
            var n = reader.FieldCount;
            for (var i = 0; i < n; i++)
            {
                if (i > 0) w.Write(',');
                CsvText.WriteString(w, reader.GetName(i));
            }
            w.Write('\n');
            var writers = new Action<DbDataReader, int, TextWriter>[n];
            for (var i = 0; i < n; i++) writers[i] = CsvText.ColumnWriter(reader.GetFieldType(i));
            long rows = 0;
            while (reader.Read()) // synchronous: per-row async overhead dominates large exports
            {
                if ((++rows & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
                for (var i = 0; i < n; i++)
                {
                    if (i > 0) w.Write(',');
                    if (!reader.IsDBNull(i)) writers[i](reader, i, w);
                }
                w.Write('\n');
            }
            return 0;
        }, query, ct).ConfigureAwait(false);
    }

    /// <summary>Reads a SQL file, failing with a user error when it is missing.</summary>
    public static async Task<string> ReadSqlFileAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path)) throw new DativoException($"{path}: SQL file not found");
        return await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
    }

    /// <summary>Removes a trailing ';' (and whitespace/comments after it) so a file's query can be embedded in COPY/VIEW.</summary>
    public static string StripTerminator(string sql)
    {
        var s = sql.TrimEnd();
        while (s.EndsWith(';')) s = s[..^1].TrimEnd();
        return s;
    }

    public void Dispose() => _connection.Dispose();

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private DuckDBCommand Command(string sql, IReadOnlyDictionary<string, object?>? parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        if (parameters is not null)
            foreach (var (k, v) in parameters)
                cmd.Parameters.Add(new DuckDBParameter(k, v ?? DBNull.Value));
        return cmd;
    }

    private static CancellationTokenRegistration RegisterCancel(DuckDBCommand cmd, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return ct.CanBeCanceled ? ct.Register(static c => ((DuckDBCommand)c!).Cancel(), cmd) : default;
    }

    private static async Task<T> Guard<T>(Func<Task<T>> work, string sql, CancellationToken ct)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (DbException ex) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("query interrupted", ex, ct);
        }
        catch (DbException ex)
        {
            throw new DativoException($"SQL failed: {ex.Message}\n  in: {Abbreviate(sql)}", inner: ex);
        }
    }

    private static string Abbreviate(string sql)
    {
        var oneLine = string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= 300 ? oneLine : oneLine[..300] + " …";
    }
}
