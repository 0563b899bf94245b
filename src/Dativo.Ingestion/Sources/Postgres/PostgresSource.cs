using System.Runtime.CompilerServices;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.Running;
using Dativo.Ingestion.State;
using Npgsql;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>
/// PostgreSQL tables through binary COPY. Incremental tables are read with
/// <c>cursor &gt;= last − lookback ORDER BY cursor</c>; rows in that window that the previous run already read
/// (told apart by row hash, see <see cref="PreviousWindow"/>) are skipped, so boundary and late rows arrive exactly once
/// (docs/ingestion.md).
/// </summary>
internal sealed class PostgresSource(LoadedJob job, RunOptions o, int bufferSize = 1 << 20) : ISource
{
    public async IAsyncEnumerable<RawBatch> ReadAsync(SourceState state, [EnumeratorCancellation] CancellationToken ct)
    {
        var cs = new NpgsqlConnectionStringBuilder(await PgConnection.BuildAsync(job, o, ct).ConfigureAwait(false));
        // COPY rows arrive as one small protocol message each: a bigger socket buffer (default 8 KiB) takes far fewer receive calls
        cs.ReadBufferSize = Math.Max(cs.ReadBufferSize, 1 << 20);
        await using var conn = new NpgsqlConnection(cs.ConnectionString);
        try { await conn.OpenAsync(ct).ConfigureAwait(false); }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new DativoException($"cannot connect to PostgreSQL at {cs.Host}:{cs.Port}/{cs.Database} as {cs.Username}: {o.Secrets.Redact(e.Message)}");
        }
        var tables = job.Tables;
        if (tables.Count == 0) throw new DativoException($"{job.File}: source.tables is empty: list the tables to read");
        foreach (var t in tables)
            await foreach (var b in ReadTableAsync(conn, t, state, ct).ConfigureAwait(false)) yield return b;
    }

    private async IAsyncEnumerable<RawBatch> ReadTableAsync(NpgsqlConnection conn, SourceTable t, SourceState state, [EnumeratorCancellation] CancellationToken ct)
    {
        var (schema, table) = PgSql.Split(t.Name);
        var cols = await PgColumn.ListAsync(conn, schema, table, ct).ConfigureAwait(false);
        if (cols.Count == 0) throw new DativoException($"{job.File}: table {t.Name} not found (or it has no columns) in the source database");
        var obj = t.Object ?? table;
        var cursorName = t.CursorField ?? (job.Config.Source.Incremental is not null && !job.ReadsEverything ? job.CursorField : null);
        var cursorIdx = cursorName is null ? -1 : cols.FindIndex(c => c.Name == cursorName);
        if (cursorName is not null && cursorIdx < 0)
            throw new DativoException($"{job.File}: cursor field '{cursorName}' is not a column of {t.Name} (columns: {string.Join(", ", cols.Select(c => c.Name))})");

        state.Cursors.TryGetValue(obj, out var marker);
        var from = SqlFrom(schema, table);
        var where = "";
        var lookback = job.LookbackDays;
        string? last = null;
        if (cursorIdx >= 0 && marker?.Value is { } value)
        {
            var c = cols[cursorIdx];
            last = $"{PgSql.Literal(value)}::{c.Type}";
            var bound = last;
            if (lookback > 0 && c.Type.StartsWith("timestamp", StringComparison.Ordinal) || c.Type == "date")
                bound = lookback > 0 ? $"({bound} - interval '{lookback} days')" : bound;
            where = $" WHERE {PgSql.Ident(c.Name)} >= {bound}";
        }
        var order = cursorIdx >= 0 ? $" ORDER BY {PgSql.Ident(cols[cursorIdx].Name)}" : "";
        var select = $"SELECT {string.Join(", ", cols.Select(c => c.Select))} FROM {from}{where}";
        var sql = $"COPY ({select}{order}) TO STDOUT (FORMAT BINARY)";

        // the previous window's range is read twice (first to tell its new rows from those already loaded, then with the rest):
        // one snapshot for both, or a row arriving in between would count as read without being taken (read only: it ends
        // with a rollback when disposed, after the COPY stream)
        await using var snapshot = last is not null
            ? await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct).ConfigureAwait(false) : null;
        var window = cursorIdx < 0 ? null : last is null ? new CursorWindow(marker, cursorName!, lookback)
            : await ReadPreviousWindowAsync(conn, t.Name, cols, $"COPY ({select} AND {PgSql.Ident(cursorName!)} <= {last}) TO STDOUT (FORMAT BINARY)",
                marker!, cursorName!, lookback, ct).ConfigureAwait(false);
        var names = cols.Select(c => c.Name).ToList();
        var batchRows = o.BatchRows;
        // typed arrays, reused batch after batch: the runner coerces a batch before it asks for the next one
        var readers = cols.Select(c => c.Reader(batchRows)).ToArray();
        var data = readers.Select(r => r.Data).ToArray();
        var pos = new long[batchRows];
        await using var stream = await conn.BeginRawBinaryCopyAsync(sql, ct).ConfigureAwait(false);
        using var copy = new PgBinaryCopyReader(stream, t.Name, readers, bufferSize);
        try
        {
            await copy.ReadHeaderAsync(ct).ConfigureAwait(false);
            while (true)
            {
                var n = 0;
                while (n < batchRows)
                {
                    var r = copy.ReadRow(n);
                    if (r == PgCopyRow.Partial) { await copy.FillAsync(ct).ConfigureAwait(false); continue; }
                    if (r == PgCopyRow.End) break;
                    if (window is not null && !window.Accept(names, data, n, cursorIdx)) continue;
                    pos[n++] = copy.Rows;
                }
                if (n > 0) yield return new RawBatch(names, data, pos, n, t.Name);
                if (copy.Done) break;
            }
            await copy.FinishAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            // stopped early (an undecodable value, a failed writer, a cancelled run): have the server stop sending, or
            // disposing the stream would read the rest of the table
            if (!copy.Done) await CancelQuietlyAsync(stream).ConfigureAwait(false);
        }
        if (window is not null && window.Marker is { } m) state.Cursors[obj] = m;
    }

    /// <summary>Hashes the rows of the previous run's window range as they are now, and sets up the window for the main read.</summary>
    private async Task<CursorWindow> ReadPreviousWindowAsync(NpgsqlConnection conn, string name, List<PgColumn> cols, string sql,
        CursorMarker marker, string cursorField, int lookback, CancellationToken ct)
    {
        var previous = new PreviousWindow(marker, name);
        const int rows = 4096;
        var readers = cols.Select(c => c.Reader(rows)).ToArray();
        var data = readers.Select(r => r.Data).ToArray();
        var names = cols.Select(c => c.Name).ToList();
        await using var stream = await conn.BeginRawBinaryCopyAsync(sql, ct).ConfigureAwait(false);
        using var copy = new PgBinaryCopyReader(stream, name, readers, bufferSize);
        try
        {
            await copy.ReadHeaderAsync(ct).ConfigureAwait(false);
            while (!copy.Done)
            {
                var n = 0;
                while (n < rows)
                {
                    var r = copy.ReadRow(n);
                    if (r == PgCopyRow.Partial) { await copy.FillAsync(ct).ConfigureAwait(false); continue; }
                    if (r == PgCopyRow.End) break;
                    n++;
                }
                for (var i = 0; i < n; i++) previous.Add(RowHash.Of(names, data, i));
            }
            await copy.FinishAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            if (!copy.Done) await CancelQuietlyAsync(stream).ConfigureAwait(false);
        }
        return new CursorWindow(marker, cursorField, lookback, previous.Rows, previous.Added(cursorField, lookback));
    }

    private static async Task CancelQuietlyAsync(NpgsqlRawCopyStream stream)
    {
        try { await stream.CancelAsync().ConfigureAwait(false); }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or ObjectDisposedException) { /* the connection is closed right after */ }
    }

    private static string SqlFrom(string schema, string table) => $"{PgSql.Ident(schema)}.{PgSql.Ident(table)}";
}
