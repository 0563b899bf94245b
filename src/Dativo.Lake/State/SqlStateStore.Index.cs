using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Dativo.Lake.Catalog.Sql;

namespace Dativo.Lake.State;

/// <summary>
/// The index of <see cref="IStateIndex"/> on SQL: table <c>dativo_state_index</c>, one row per indexed entry, written
/// in the same transaction as the entry (and deleted with it), read newest first through a B-tree on
/// (namespace, sort_at, state_key) with keyset paging.
/// </summary>
internal sealed partial class SqlStateStore : IStateIndex
{
    private const string RowColumns = "state_key, sort_at, group_name, status, summary, version";

    /// <summary>Per namespace: plain puts so far, and the count seen when the last reconciliation started.</summary>
    private readonly ConcurrentDictionary<string, long> _plainPuts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _reconciled = new(StringComparer.Ordinal);

    public async Task<StatePutResult> PutIndexedAsync(string ns, string key, string json, StateIndexEntry index, long? expectedVersion = null, TimeSpan? ttl = null, CancellationToken ct = default)
    {
        Validate(ns, key);
        ValidateJson(json);
        StateIndexChecks.Validate(key, index);
        if (expectedVersion < 0) throw new ArgumentOutOfRangeException(nameof(expectedVersion), "expected version must be null, 0 (create) or a version");
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), "ttl must be positive");

        await PurgeIfDueAsync(ct);
        var now = NowMs();
        long? expires = ttl is { } t ? now + (long)t.TotalMilliseconds : null;
        var version = await RunAsync(async (c, token) =>
        {
            await using var tx = await c.BeginTransactionAsync(token);
            var v = await ScalarAsync(c, tx, PutSql(expectedVersion), token,
                ("@ns", ns), ("@k", key), ("@v", json), ("@now", now), ("@exp", expires), ("@expected", expectedVersion ?? 0));
            if (v is null) return (long?)null;
            var written = Convert.ToInt64(v, CultureInfo.InvariantCulture);
            await UpsertRowAsync(c, tx, ns, key, index, written, expires, checkEntry: false, token);
            await tx.CommitAsync(token);
            return written;
        }, ct);
        if (version is { } done) return new StatePutResult(true, done);
        var current = await GetAsync(ns, key, ct);
        return new StatePutResult(false, current?.Version ?? 0);
    }

    public async Task<StateIndexPage> QueryIndexAsync(string ns, StateIndexQuery query, Func<StateEntry, StateIndexEntry?> project, CancellationToken ct = default)
    {
        StateKeys.ValidatePrefix(ns, "");
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(project);
        query.Validate();
        var puts = _plainPuts.GetValueOrDefault(ns);
        if (!_reconciled.TryGetValue(ns, out var seen) || seen != puts)
        {
            await ReconcileAsync(ns, project, ct);
            _reconciled[ns] = puts;
        }

        var where = new StringBuilder($"namespace = @ns AND {Live}");
        var args = new List<(string, object?)> { ("@ns", ns), ("@now", NowMs()), ("@limit", query.Limit + 1) };
        if (query.Group is not null)
        {
            where.Append(" AND group_name = @g");
            args.Add(("@g", query.Group));
        }
        if (query.Statuses is { Count: > 0 } statuses)
        {
            var names = statuses.Select((s, i) => (Name: $"@s{i}", Value: s)).ToList();
            where.Append(" AND status IN (").Append(string.Join(", ", names.Select(n => n.Name))).Append(')');
            args.AddRange(names.Select(n => (n.Name, (object?)n.Value)));
        }
        if (query.Since is { } since)
        {
            where.Append(" AND sort_at >= @since");
            args.Add(("@since", since.ToUnixTimeMilliseconds()));
        }
        if (query.Until is { } until)
        {
            where.Append(" AND sort_at < @until");
            args.Add(("@until", until.ToUnixTimeMilliseconds()));
        }
        if (query.Before is { } before)
        {
            where.Append($" AND (sort_at < @bat OR (sort_at = @bat AND state_key {db.BinaryCollation} < @bkey))");
            args.Add(("@bat", before.AtMs));
            args.Add(("@bkey", before.Key));
        }
        var sql = $"SELECT {RowColumns} FROM dativo_state_index WHERE {where} ORDER BY sort_at DESC, state_key {db.BinaryCollation} DESC LIMIT @limit";
        var rows = await RunAsync(async (c, token) =>
        {
            await using var cmd = c.Command(sql, [.. args]);
            await using var reader = await cmd.ExecuteReaderAsync(token);
            var list = new List<StateIndexRow>();
            while (await reader.ReadAsync(token))
                list.Add(new StateIndexRow(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5)));
            return list;
        }, ct);
        if (rows.Count <= query.Limit) return new StateIndexPage(rows, null);
        rows.RemoveAt(rows.Count - 1);
        return new StateIndexPage(rows, rows[^1].Cursor);
    }

    /// <summary>Indexes live entries without a row (or whose row is of another version) and drops rows whose entry is gone.</summary>
    private async Task ReconcileAsync(string ns, Func<StateEntry, StateIndexEntry?> project, CancellationToken ct)
    {
        var stale = await RunAsync(async (c, token) =>
        {
            await using var cmd = c.Command(
                $"""
                SELECT s.namespace, s.state_key, s.state_value, s.version, s.updated_at, s.expires_at
                FROM dativo_state s LEFT JOIN dativo_state_index i ON i.namespace = s.namespace AND i.state_key = s.state_key
                WHERE s.namespace = @ns AND (s.expires_at IS NULL OR s.expires_at > @now) AND (i.version IS NULL OR i.version <> s.version)
                """,
                ("@ns", ns), ("@now", NowMs()));
            await using var reader = await cmd.ExecuteReaderAsync(token);
            var list = new List<StateEntry>();
            while (await reader.ReadAsync(token)) list.Add(Read(reader));
            return list;
        }, ct);
        foreach (var batch in stale.Chunk(500))
        {
            var rows = batch.Select(e => (Entry: e, Row: project(e))).ToList();
            await RunAsync(async (c, token) =>
            {
                await using var tx = await c.BeginTransactionAsync(token);
                foreach (var (e, row) in rows)
                {
                    if (row is null) await ExecuteAsync(c, tx, "DELETE FROM dativo_state_index WHERE namespace = @ns AND state_key = @k", token, ("@ns", ns), ("@k", e.Key));
                    else await UpsertRowAsync(c, tx, ns, e.Key, row, e.Version, e.ExpiresAt?.ToUnixTimeMilliseconds(), checkEntry: true, token);
                }
                await tx.CommitAsync(token);
                return 0;
            }, ct);
        }
        await RunAsync(async (c, token) => await c.ExecuteAsync(
            """
            DELETE FROM dativo_state_index WHERE namespace = @ns AND NOT EXISTS (
                SELECT 1 FROM dativo_state s WHERE s.namespace = dativo_state_index.namespace AND s.state_key = dativo_state_index.state_key)
            """, token, ("@ns", (object?)ns)), ct);
    }

    /// <summary>Writes the row; with <paramref name="checkEntry"/> only while the entry is still at <paramref name="version"/>.</summary>
    private static Task<int> UpsertRowAsync(DbConnection c, DbTransaction tx, string ns, string key, StateIndexEntry row, long version, long? expires, bool checkEntry, CancellationToken ct) =>
        ExecuteAsync(c, tx,
            $"""
            INSERT INTO dativo_state_index (namespace, {RowColumns}, expires_at)
            SELECT @ns, @k, @at, @g, @st, @sum, @ver, @exp
            WHERE {(checkEntry ? "EXISTS (SELECT 1 FROM dativo_state WHERE namespace = @ns AND state_key = @k AND version = @ver)" : "1 = 1")}
            ON CONFLICT (namespace, state_key) DO UPDATE SET
                sort_at = excluded.sort_at, group_name = excluded.group_name, status = excluded.status,
                summary = excluded.summary, version = excluded.version, expires_at = excluded.expires_at
            """, ct,
            ("@ns", ns), ("@k", key), ("@at", row.AtMs), ("@g", row.Group), ("@st", row.Status), ("@sum", row.Summary), ("@ver", version), ("@exp", expires));

    private static async Task<int> ExecuteAsync(DbConnection c, DbTransaction tx, string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = c.Command(sql, args);
        cmd.Transaction = tx;
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(DbConnection c, DbTransaction tx, string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = c.Command(sql, args);
        cmd.Transaction = tx;
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }

    private void NotePlainPut(string ns) => _plainPuts.AddOrUpdate(ns, 1, (_, n) => n + 1);

    private static async Task CreateIndexSchemaAsync(DbConnection c, CancellationToken ct)
    {
        await c.ExecuteAsync(
            """
            CREATE TABLE IF NOT EXISTS dativo_state_index (
                namespace VARCHAR(255) NOT NULL,
                state_key VARCHAR(1024) NOT NULL,
                sort_at BIGINT NOT NULL,
                group_name VARCHAR(1024) NOT NULL,
                status VARCHAR(1024) NOT NULL,
                summary TEXT NOT NULL,
                version BIGINT NOT NULL,
                expires_at BIGINT,
                PRIMARY KEY (namespace, state_key)
            )
            """, ct);
        await c.ExecuteAsync("CREATE INDEX IF NOT EXISTS dativo_state_index_recent ON dativo_state_index (namespace, sort_at, state_key)", ct);
        await c.ExecuteAsync("CREATE INDEX IF NOT EXISTS dativo_state_index_group ON dativo_state_index (namespace, group_name, sort_at, state_key)", ct);
        await c.ExecuteAsync("CREATE INDEX IF NOT EXISTS dativo_state_index_expires_at ON dativo_state_index (expires_at)", ct);
    }
}
