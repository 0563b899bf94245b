namespace Dativo.Lake.State;

/// <summary>
/// Small durable key-value store for ingestion cursors, run records and orchestration state.
/// Values are JSON documents grouped in namespaces; every write bumps a version used for
/// optimistic concurrency; entries may expire (expired entries are invisible and later purged).
/// </summary>
public interface IStateStore
{
    /// <summary>The live entry, or null when absent or expired.</summary>
    Task<StateEntry?> GetAsync(string ns, string key, CancellationToken ct = default);

    /// <summary>
    /// Writes <paramref name="json"/>. <paramref name="expectedVersion"/>: null writes unconditionally,
    /// 0 only creates (fails if a live entry exists), n only replaces version n. A conflict is
    /// reported in the result, not thrown. <paramref name="ttl"/> sets the expiry (null: never).
    /// </summary>
    Task<StatePutResult> PutAsync(string ns, string key, string json, long? expectedVersion = null, TimeSpan? ttl = null, CancellationToken ct = default);

    /// <summary>Deletes a live entry (only at <paramref name="expectedVersion"/> when given). False when absent or at another version.</summary>
    Task<bool> DeleteAsync(string ns, string key, long? expectedVersion = null, CancellationToken ct = default);

    /// <summary>Live entries of a namespace whose key starts with <paramref name="prefix"/>, in key order (ordinal).</summary>
    IAsyncEnumerable<StateEntry> ListAsync(string ns, string prefix = "", CancellationToken ct = default);

    /// <summary>Deletes expired rows now (also done in passing by writes). Returns how many.</summary>
    Task<int> PurgeExpiredAsync(CancellationToken ct = default);
}

public sealed record StateEntry(string Namespace, string Key, string Json, long Version, DateTimeOffset UpdatedAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// Outcome of <see cref="IStateStore.PutAsync"/>: on success <see cref="Version"/> is the new version;
/// on conflict it is the current version (0 when there is no live entry).
/// </summary>
public sealed record StatePutResult(bool Succeeded, long Version)
{
    public bool Conflict => !Succeeded;
}
