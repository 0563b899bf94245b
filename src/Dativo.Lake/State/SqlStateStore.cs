using System.Data.Common;
using System.Runtime.CompilerServices;
using Dativo.Lake.Catalog.Sql;

namespace Dativo.Lake.State;

/// <summary>
/// <see cref="IStateStore"/> over one table, <c>dativo_state</c>, on SQLite or PostgreSQL.
/// Times are stored as Unix milliseconds; versions only grow while a row exists.
/// </summary>
internal sealed partial class SqlStateStore(SqlDatabase db, TimeProvider time, TimeSpan purgeInterval) : IStateStore
{
    private const string Live = "(expires_at IS NULL OR expires_at > @now)";
    private const string Columns = "namespace, state_key, state_value, version, updated_at, expires_at";

    private readonly SchemaGuard _guard = new(db, CreateSchemaAsync);
    private long _lastPurgeMs = long.MinValue;

    internal SqlDatabase Database => db;

    public async Task<StateEntry?> GetAsync(string ns, string key, CancellationToken ct = default)
    {
        Validate(ns, key);
        return await RunAsync(async (c, token) =>
        {
            await using var cmd = c.Command(
                $"SELECT {Columns} FROM dativo_state WHERE namespace = @ns AND state_key = @k AND {Live}",
                ("@ns", ns), ("@k", key), ("@now", NowMs()));
            await using var reader = await cmd.ExecuteReaderAsync(token);
            return await reader.ReadAsync(token) ? Read(reader) : null;
        }, ct);
    }

    public async Task<StatePutResult> PutAsync(string ns, string key, string json, long? expectedVersion = null, TimeSpan? ttl = null, CancellationToken ct = default)
    {
        Validate(ns, key);
        ValidateJson(json);
        if (expectedVersion < 0) throw new ArgumentOutOfRangeException(nameof(expectedVersion), "expected version must be null, 0 (create) or a version");
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), "ttl must be positive");

        await PurgeIfDueAsync(ct);
        var now = NowMs();
        long? expires = ttl is { } t ? now + (long)t.TotalMilliseconds : null;
        var version = await RunAsync(async (c, token) => await c.ScalarAsync(PutSql(expectedVersion), token,
            ("@ns", ns), ("@k", key), ("@v", json), ("@now", now), ("@exp", expires), ("@expected", expectedVersion ?? 0)), ct);
        NotePlainPut(ns); // an entry written without its index row: the next query of this namespace indexes it
        if (version is not null) return new StatePutResult(true, Convert.ToInt64(version));
        var current = await GetAsync(ns, key, ct);
        return new StatePutResult(false, current?.Version ?? 0);
    }

    /// <summary>The statement of a put at <paramref name="expectedVersion"/>: returns the new version, or no row on a conflict.</summary>
    private static string PutSql(long? expectedVersion) => expectedVersion switch
        {
            null => $"""
                INSERT INTO dativo_state ({Columns}) VALUES (@ns, @k, @v, 1, @now, @exp)
                ON CONFLICT (namespace, state_key) DO UPDATE SET
                    state_value = excluded.state_value, version = dativo_state.version + 1,
                    updated_at = excluded.updated_at, expires_at = excluded.expires_at
                RETURNING version
                """,
            0 => $"""
                INSERT INTO dativo_state ({Columns}) VALUES (@ns, @k, @v, 1, @now, @exp)
                ON CONFLICT (namespace, state_key) DO UPDATE SET
                    state_value = excluded.state_value, version = dativo_state.version + 1,
                    updated_at = excluded.updated_at, expires_at = excluded.expires_at
                WHERE dativo_state.expires_at IS NOT NULL AND dativo_state.expires_at <= @now
                RETURNING version
                """,
            _ => $"""
                UPDATE dativo_state SET state_value = @v, version = version + 1, updated_at = @now, expires_at = @exp
                WHERE namespace = @ns AND state_key = @k AND version = @expected AND {Live}
                RETURNING version
                """,
        };

    public async Task<bool> DeleteAsync(string ns, string key, long? expectedVersion = null, CancellationToken ct = default)
    {
        Validate(ns, key);
        var sql = $"DELETE FROM dativo_state WHERE namespace = @ns AND state_key = @k AND {Live}"
            + (expectedVersion is null ? "" : " AND version = @expected");
        return await RunAsync(async (c, token) =>
        {
            await using var tx = await c.BeginTransactionAsync(token);
            var deleted = await ExecuteAsync(c, tx, sql, token, ("@ns", ns), ("@k", key), ("@now", NowMs()), ("@expected", expectedVersion ?? 0));
            if (deleted == 1) await ExecuteAsync(c, tx, "DELETE FROM dativo_state_index WHERE namespace = @ns AND state_key = @k", token, ("@ns", ns), ("@k", key));
            await tx.CommitAsync(token);
            return deleted;
        }, ct) == 1;
    }

    public async IAsyncEnumerable<StateEntry> ListAsync(string ns, string prefix = "", [EnumeratorCancellation] CancellationToken ct = default)
    {
        StateKeys.ValidatePrefix(ns, prefix);
        await _guard.EnsureSchemaAsync(ct);
        await using var c = await DescribedAsync(() => db.OpenAsync(ct));
        await using var cmd = c.Command(
            $"""
            SELECT {Columns} FROM dativo_state
            WHERE namespace = @ns AND substr(state_key, 1, @len) = @prefix AND {Live}
            ORDER BY state_key {db.BinaryCollation}
            """,
            ("@ns", ns), ("@len", StateKeys.CodePoints(prefix)), ("@prefix", prefix), ("@now", NowMs()));
        await using var reader = await DescribedAsync(() => cmd.ExecuteReaderAsync(ct));
        while (await DescribedAsync(() => reader.ReadAsync(ct))) yield return Read(reader);
    }

    /// <summary>Runs a step of a streaming read, turning a database error into one that names the database.</summary>
    private async Task<T> DescribedAsync<T>(Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (e is not OperationCanceledException && db.Describe(e) is { } described)
        {
            throw described;
        }
    }

    public async Task<int> PurgeExpiredAsync(CancellationToken ct = default)
    {
        var now = NowMs();
        Volatile.Write(ref _lastPurgeMs, now);
        return await RunAsync(async (c, token) =>
        {
            await c.ExecuteAsync("DELETE FROM dativo_state_index WHERE expires_at IS NOT NULL AND expires_at <= @now", token, ("@now", now));
            return await c.ExecuteAsync("DELETE FROM dativo_state WHERE expires_at IS NOT NULL AND expires_at <= @now", token, ("@now", now));
        }, ct);
    }

    private async Task PurgeIfDueAsync(CancellationToken ct)
    {
        var last = Volatile.Read(ref _lastPurgeMs);
        if (last != long.MinValue && NowMs() - last < (long)purgeInterval.TotalMilliseconds) return;
        await PurgeExpiredAsync(ct);
    }

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static StateEntry Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)),
        r.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)));

    private static void Validate(string ns, string key) => StateKeys.Validate(ns, key);

    private static void ValidateJson(string json) => StateKeys.ValidateJson(json);

    private Task<T> RunAsync<T>(Func<DbConnection, CancellationToken, Task<T>> action, CancellationToken ct) => _guard.RunAsync(action, ct);

    private static async Task CreateSchemaAsync(DbConnection c, CancellationToken ct)
    {
        await c.ExecuteAsync(
            """
            CREATE TABLE IF NOT EXISTS dativo_state (
                namespace VARCHAR(255) NOT NULL,
                state_key VARCHAR(1024) NOT NULL,
                state_value TEXT NOT NULL,
                version BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                expires_at BIGINT,
                PRIMARY KEY (namespace, state_key)
            )
            """, ct);
        await c.ExecuteAsync("CREATE INDEX IF NOT EXISTS dativo_state_expires_at ON dativo_state (expires_at)", ct);
        await CreateIndexSchemaAsync(c, ct);
    }
}
