using System.Text.Json;
using System.Text.Json.Serialization;
using Dativo.Lake.State;

namespace Dativo.Streaming.Sources.Kinesis;

/// <summary>A shard this instance holds: the state entry's version (every write is conditional on it) and the checkpoint.</summary>
internal sealed class ShardLease(string shardId, long version, string? sequenceNumber)
{
    public string ShardId { get; } = shardId;
    public long Version { get; set; } = version;
    public string? SequenceNumber { get; set; } = sequenceNumber;
    public DateTimeOffset RenewedAt { get; set; }
}

/// <summary>Another instance took the shard (its lease had expired for it): this one stops reading the shard.</summary>
internal sealed class LeaseLostException(string message) : Exception(message);

/// <summary>
/// Checkpoints and leases of one delivery stream's Kinesis shards in the state store, namespace
/// <c>streaming.kinesis</c>, key <c>&lt;delivery stream&gt;/&lt;kinesis stream&gt;/&lt;shard&gt;</c>, value
/// <c>{sequence_number, finished, owner, lease_until}</c>. Every write is conditional on the version read, so two
/// instances never both advance a shard: a shard is taken only when free, expired or already this owner's.
/// </summary>
internal sealed class ShardLeases(IStateStore store, string deliveryStream, string kinesisStream, string owner, TimeSpan duration, TimeProvider time)
{
    public const string Namespace = "streaming.kinesis";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private string Key(string shardId) => $"{deliveryStream}/{kinesisStream}/{shardId}";

    private string StartKey => $"{deliveryStream}/{kinesisStream}";

    /// <summary>The time the consumer first started on this stream (LATEST reads from it on), written once.</summary>
    public async Task<DateTimeOffset> FirstStartAsync(CancellationToken ct)
    {
        while (true)
        {
            if (await store.GetAsync(Namespace, StartKey, ct).ConfigureAwait(false) is { } e)
                return JsonSerializer.Deserialize<StartState>(e.Json, Json)!.StartedAt;
            var now = time.GetUtcNow();
            var put = await store.PutAsync(Namespace, StartKey, JsonSerializer.Serialize(new StartState(now), Json), expectedVersion: 0, ct: ct).ConfigureAwait(false);
            if (put.Succeeded) return now;
        }
    }

    /// <summary>Shards finished (read to their end after they closed).</summary>
    public async Task<HashSet<string>> FinishedAsync(CancellationToken ct)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var e in store.ListAsync(Namespace, StartKey + "/", ct).ConfigureAwait(false))
            if (JsonSerializer.Deserialize<ShardState>(e.Json, Json)!.Finished)
                done.Add(e.Key[(StartKey.Length + 1)..]);
        return done;
    }

    /// <summary>Takes the shard: null when another live owner holds it, or it is finished (<paramref name="finished"/>).</summary>
    public async Task<(ShardLease? Lease, bool Finished)> TryAcquireAsync(string shardId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var entry = await store.GetAsync(Namespace, Key(shardId), ct).ConfigureAwait(false);
        var state = entry is null ? new ShardState() : JsonSerializer.Deserialize<ShardState>(entry.Json, Json)!;
        if (state.Finished) return (null, true);
        if (entry is not null && state.Owner is not null && state.Owner != owner && state.LeaseUntil > now) return (null, false);
        var taken = state with { Owner = owner, LeaseUntil = now + duration };
        var put = await store.PutAsync(Namespace, Key(shardId), JsonSerializer.Serialize(taken, Json), expectedVersion: entry?.Version ?? 0, ct: ct).ConfigureAwait(false);
        return put.Succeeded ? (new ShardLease(shardId, put.Version, state.SequenceNumber) { RenewedAt = now }, false) : (null, false);
    }

    /// <summary>Records <paramref name="sequenceNumber"/> as durably consumed and renews the lease.</summary>
    /// <exception cref="LeaseLostException">another instance holds the shard now</exception>
    public Task CheckpointAsync(ShardLease lease, string? sequenceNumber, CancellationToken ct) =>
        WriteAsync(lease, new ShardState { SequenceNumber = sequenceNumber ?? lease.SequenceNumber, Owner = owner, LeaseUntil = time.GetUtcNow() + duration }, ct);

    /// <summary>The shard is closed and read to its end: its children may start.</summary>
    public Task FinishAsync(ShardLease lease, CancellationToken ct) =>
        WriteAsync(lease, new ShardState { SequenceNumber = lease.SequenceNumber, Finished = true }, ct);

    /// <summary>Lets the shard go at once (on stop), keeping its checkpoint.</summary>
    public Task ReleaseAsync(ShardLease lease, CancellationToken ct) =>
        WriteAsync(lease, new ShardState { SequenceNumber = lease.SequenceNumber }, ct);

    private async Task WriteAsync(ShardLease lease, ShardState state, CancellationToken ct)
    {
        var put = await store.PutAsync(Namespace, Key(lease.ShardId), JsonSerializer.Serialize(state, Json), expectedVersion: lease.Version, ct: ct).ConfigureAwait(false);
        if (put.Conflict) throw new LeaseLostException($"shard {lease.ShardId} of {kinesisStream} was taken by another instance (its lease had expired)");
        lease.Version = put.Version;
        lease.SequenceNumber = state.SequenceNumber;
        lease.RenewedAt = time.GetUtcNow();
    }

    private sealed record ShardState
    {
        public string? SequenceNumber { get; init; }
        public bool Finished { get; init; }
        public string? Owner { get; init; }
        public DateTimeOffset? LeaseUntil { get; init; }
    }

    private sealed record StartState(DateTimeOffset StartedAt);
}
