using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dativo.Lake.State;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// The state record of one shared fan-out item (namespace <c>orchestration.item-leases</c>, key <c>run|task|index</c>):
/// who runs it (worker, lease expiry, fence) and the item itself as that worker last wrote it. <see cref="State"/> is
/// <c>running</c> (held until <see cref="LeaseUntil"/>), <c>done</c> (the item's outcome for run counter <see cref="Counter"/>)
/// or <c>released</c> (given back unstarted).
/// </summary>
public sealed record ItemLeaseRecord
{
    public const string Running = "running";
    public const string Done = "done";
    public const string Released = "released";

    public string State { get; init; } = Running;
    public string Worker { get; init; } = "";
    public long Fence { get; init; }
    public DateTimeOffset LeaseUntil { get; init; }
    public int Counter { get; init; }
    public ItemRecord? Item { get; init; }

    [JsonIgnore]
    public long Version { get; init; }

    public bool IsLive(DateTimeOffset now) => State == Running && now < LeaseUntil;

    /// <summary>The item's outcome for run counter <paramref name="counter"/>: done in it, or succeeded in any (a success is never redone).</summary>
    public bool Finishes(int counter) => State == Done && Item is not null && (Counter == counter || Item.Status == RunStatus.Succeeded);
}

/// <summary>
/// Item leases of fan-outs shared by several workers. Every change is one conditional write at the version last seen:
/// a claim (free, released, or expired lease → this worker, fence + 1), a renewal, the item's state while it runs, its
/// result. A worker whose lease was taken over after it expired learns it from a refused write (<see cref="ItemLease.Lost"/>)
/// and its late result is never stored. No transactions: SQLite, PostgreSQL and DynamoDB stores all serve it.
/// </summary>
public sealed class ItemLeases(IStateStore state, TimeProvider time, TimeSpan lease, string? worker = null)
{
    public const string Namespace = "orchestration.item-leases";

    public string Worker { get; } = worker ?? DefaultWorker();

    public TimeSpan Lease => lease;

    public static string DefaultWorker()
    {
        var me = Tasks.ProcessKiller.IdentityOf(Environment.ProcessId);
        return string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{me?.StartTicks ?? 0}");
    }

    private static string Prefix(string runId, string task) => $"{runId}|{task}|";

    private static string Key(string runId, string task, int index) => string.Create(CultureInfo.InvariantCulture, $"{Prefix(runId, task)}{index:D7}");

    /// <summary>Every lease record of a task's items, by item index.</summary>
    public async Task<Dictionary<int, ItemLeaseRecord>> ListAsync(string runId, string task, CancellationToken ct)
    {
        var result = new Dictionary<int, ItemLeaseRecord>();
        var prefix = Prefix(runId, task);
        await foreach (var e in state.ListAsync(Namespace, prefix, ct))
        {
            if (!int.TryParse(e.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) continue;
            result[index] = Read(e);
        }
        return result;
    }

    /// <summary>
    /// Takes item <paramref name="index"/> if it is still as <paramref name="seen"/> says (null: no record) and not live
    /// elsewhere; null when another worker changed it first.
    /// </summary>
    public async Task<ItemLease?> TryClaimAsync(string runId, string task, int index, ItemLeaseRecord? seen, int counter, ItemRecord item, TimeSpan ttl, CancellationToken ct)
    {
        if (seen is not null && seen.IsLive(time.GetUtcNow())) return null;
        var record = new ItemLeaseRecord
        {
            State = ItemLeaseRecord.Running, Worker = Worker, Fence = (seen?.Fence ?? 0) + 1, LeaseUntil = time.GetUtcNow() + lease,
            Counter = counter, Item = item,
        };
        var key = Key(runId, task, index);
        var put = await state.PutAsync(Namespace, key, Serialize(record), seen?.Version ?? 0, ttl, ct);
        return put.Succeeded ? new ItemLease(this, key, record with { Version = put.Version }, ttl) : null;
    }

    /// <summary>Forgets the lease records of items that run again from scratch (an upstream task ran again), unless one is live.</summary>
    public async Task ForgetAsync(string runId, string task, IEnumerable<int> indexes, CancellationToken ct)
    {
        var all = await ListAsync(runId, task, ct);
        foreach (var i in indexes)
            if (all.TryGetValue(i, out var r) && !r.IsLive(time.GetUtcNow()))
                await state.DeleteAsync(Namespace, Key(runId, task, i), r.Version, ct);
    }

    internal async Task<long?> TryWriteAsync(string key, ItemLeaseRecord record, long version, TimeSpan ttl)
    {
        var put = await state.PutAsync(Namespace, key, Serialize(record), version, ttl, CancellationToken.None);
        return put.Succeeded ? put.Version : null;
    }

    internal DateTimeOffset Now => time.GetUtcNow();

    private static string Serialize(ItemLeaseRecord r) => JsonSerializer.Serialize(r, StateStoreRunStore.Json);

    private static ItemLeaseRecord Read(StateEntry e) => JsonSerializer.Deserialize<ItemLeaseRecord>(e.Json, StateStoreRunStore.Json)! with { Version = e.Version };
}

/// <summary>
/// One item held by this worker. Writes are serialized and conditional on the version this lease last wrote; the first
/// refused write marks the lease <see cref="Lost"/> (another worker took the item after the lease expired), cancels
/// <see cref="Token"/> and every later write is refused too.
/// </summary>
public sealed class ItemLease : IDisposable
{
    private readonly ItemLeases _owner;
    private readonly string _key;
    private readonly TimeSpan _ttl;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _lost = new();
    private ItemLeaseRecord _record;

    internal ItemLease(ItemLeases owner, string key, ItemLeaseRecord record, TimeSpan ttl)
    {
        _owner = owner;
        _key = key;
        _record = record;
        _ttl = ttl;
    }

    public long Fence => _record.Fence;

    /// <summary>The version of the record as this lease last wrote it.</summary>
    public long Version => _record.Version;

    public DateTimeOffset LeaseUntil => _record.LeaseUntil;

    public bool Lost => _lost.IsCancellationRequested;

    /// <summary>Cancelled when the lease is lost: the item's work stops, its result is not stored.</summary>
    public CancellationToken Token => _lost.Token;

    /// <summary>Stores the item's state while it runs (and extends the lease). False when the lease was lost.</summary>
    public Task<bool> SaveAsync(ItemRecord item) => WriteAsync(r => r with { Item = item, LeaseUntil = _owner.Now + _owner.Lease });

    /// <summary>Extends the lease when less than half of it is left. False when the lease was lost.</summary>
    public Task<bool> RenewAsync() =>
        _owner.Now + _owner.Lease / 2 < _record.LeaseUntil ? Task.FromResult(!Lost) : WriteAsync(r => r with { LeaseUntil = _owner.Now + _owner.Lease });

    /// <summary>Stores the item's outcome and ends the lease. False when the lease was lost: the result was refused.</summary>
    public Task<bool> FinishAsync(ItemRecord item) => WriteAsync(r => r with { State = ItemLeaseRecord.Done, Item = item, LeaseUntil = _owner.Now });

    /// <summary>Gives the item back (another worker may claim it at once), with <paramref name="item"/>'s attempts when it ran (a cancelled attempt).</summary>
    public Task<bool> ReleaseAsync(ItemRecord? item = null) => WriteAsync(r => r with { State = ItemLeaseRecord.Released, LeaseUntil = _owner.Now, Item = item ?? r.Item });

    private async Task<bool> WriteAsync(Func<ItemLeaseRecord, ItemLeaseRecord> change)
    {
        if (_disposed) return false; // the item's work is over (its outcome written, given back, or failed to store)
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (_disposed || Lost || _record.State != ItemLeaseRecord.Running) return false;
            var next = change(_record);
            if (await _owner.TryWriteAsync(_key, next, _record.Version, _ttl) is { } version)
            {
                _record = next with { Version = version };
                return true;
            }
            await _lost.CancelAsync();
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    private volatile bool _disposed;

    /// <summary>Ends this worker's use of the lease; later writes (a renewal racing the item's end) do nothing.</summary>
    public void Dispose()
    {
        _disposed = true;
        _gate.Dispose();
        _lost.Dispose();
    }
}

/// <summary>A write for an item whose lease this worker lost (another worker took the item over): the work stops, nothing is stored.</summary>
internal sealed class ItemLeaseLostException(string task, string? dataset)
    : Exception($"task {task}{(dataset is null ? "" : $"[{dataset}]")}: this worker's lease of the item ran out and another worker took it over; its writes are refused");
