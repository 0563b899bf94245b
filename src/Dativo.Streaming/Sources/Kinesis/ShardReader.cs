using Dativo.Aws;
using Dativo.Core.Faults;
using Dativo.Streaming.Runtime;

namespace Dativo.Streaming.Sources.Kinesis;

/// <summary>
/// Reads one shard into the delivery stream: GetRecords in a loop (at most 5 reads a second, slower when idle), each
/// batch appended to the write-ahead log and then checkpointed, so a record is checkpointed only once it is durable
/// (at-least-once). An expired iterator is taken again after the checkpoint; failures back off and retry.
/// Cancellation stops it between batches, never between a batch's append and its checkpoint.
/// </summary>
internal sealed class ShardReader(KinesisApi api, ShardLeases leases, DeliveryStream stream, KinesisSourceSettings settings,
    DateTimeOffset? startAt, TimeProvider time, Action<string>? log, Action<KinesisProgress> progress)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Reads the shard until it is finished (true), or until stopped, another instance takes it, or it is held elsewhere (false).</summary>
    public async Task<bool> RunAsync(KinesisShard shard, CancellationToken stop)
    {
        var (lease, finished) = await leases.TryAcquireAsync(shard.ShardId, stop).ConfigureAwait(false);
        if (lease is null) return finished;
        // a crash between the log's sync and the checkpoint left the log further on than the checkpoint: go on from there
        if (stream.LoggedPosition(Source(shard.ShardId)) is { } logged && Later(logged, lease.SequenceNumber)) lease.SequenceNumber = logged;
        progress(new KinesisProgress(shard.ShardId, KinesisProgressKind.Started, SequenceNumber: lease.SequenceNumber));
        string? iterator = null;
        var backoff = settings.IdlePollInterval;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                TimeSpan wait;
                try
                {
                    iterator ??= await api.GetShardIteratorAsync(shard.ShardId, lease.SequenceNumber, lease.SequenceNumber is null ? startAt : null, stop).ConfigureAwait(false);
                    var batch = await api.GetRecordsAsync(iterator, stop).ConfigureAwait(false);
                    if (batch.Records.Count > 0)
                    {
                        if (!await AppendAsync(lease, batch.Records, stop).ConfigureAwait(false)) break;
                    }
                    else if (time.GetUtcNow() - lease.RenewedAt >= settings.LeaseDuration / 3)
                    {
                        await leases.CheckpointAsync(lease, null, CancellationToken.None).ConfigureAwait(false);
                    }
                    if (batch.NextShardIterator is null)
                    {
                        await leases.FinishAsync(lease, CancellationToken.None).ConfigureAwait(false);
                        progress(new KinesisProgress(shard.ShardId, KinesisProgressKind.Finished, SequenceNumber: lease.SequenceNumber));
                        return true;
                    }
                    iterator = batch.NextShardIterator;
                    wait = batch.Records.Count > 0 ? settings.MinReadInterval : settings.IdlePollInterval;
                    backoff = settings.IdlePollInterval;
                }
                catch (AwsServiceException e) when (e.Code == "ExpiredIteratorException")
                {
                    iterator = null; // taken again from the checkpoint
                    continue;
                }
                catch (Exception e) when (e is AwsException or HttpRequestException or IOException or System.Data.Common.DbException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException)
                {
                    log?.Invoke($"stream '{stream.Name}': Kinesis {settings.StreamIdentity} shard {shard.ShardId}: {e.Message}; retrying in {backoff.TotalSeconds:0.#} s");
                    wait = backoff;
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                }
                await Task.Delay(wait, time, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (LeaseLostException e)
        {
            log?.Invoke($"stream '{stream.Name}': {e.Message}; this instance stops reading it");
            progress(new KinesisProgress(shard.ShardId, KinesisProgressKind.LeaseLost, SequenceNumber: lease.SequenceNumber));
            return false;
        }
        try
        {
            await leases.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            return false; // taken meanwhile: nothing to let go
        }
        progress(new KinesisProgress(shard.ShardId, KinesisProgressKind.Released, SequenceNumber: lease.SequenceNumber));
        return false;
    }

    /// <summary>
    /// Appends the batch to the log and checkpoints its last record. While the log is over its disk budget the rest
    /// waits; false when stopped meanwhile (what is durable is checkpointed, the rest is read again next time).
    /// </summary>
    private async Task<bool> AppendAsync(ShardLease lease, IReadOnlyList<KinesisRecord> records, CancellationToken stop)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var items = records.Select(r => ((ReadOnlyMemory<byte>)r.Data, r.ArrivalMs ?? now)).ToList();
        var positions = records.Select(r => r.SequenceNumber).ToList();
        var done = 0;
        var wait = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            var durable = await stream.PutArrivedAsync(done == 0 ? items : items[done..], Source(lease.ShardId),
                done == 0 ? positions : positions[done..]).ConfigureAwait(false);
            done += durable;
            if (durable > 0)
            {
                await FaultPoints.HitAsync(FaultPoints.KinesisBeforeCheckpoint, CancellationToken.None).ConfigureAwait(false);
                await leases.CheckpointAsync(lease, records[done - 1].SequenceNumber, CancellationToken.None).ConfigureAwait(false);
                progress(new KinesisProgress(lease.ShardId, KinesisProgressKind.Checkpointed, durable, lease.SequenceNumber));
            }
            if (done == items.Count) return true;
            log?.Invoke($"stream '{stream.Name}': the write-ahead log is over its disk budget; Kinesis shard {lease.ShardId} waits {wait.TotalSeconds:0.#} s");
            try
            {
                await Task.Delay(wait, time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>The shard as a source of the delivery stream's log (its read position is kept there too).</summary>
    private string Source(string shardId) => $"kinesis/{settings.StreamIdentity}/{shardId}";

    /// <summary>Whether sequence number <paramref name="a"/> comes after <paramref name="b"/> (decimal strings of up to 128 bits).</summary>
    internal static bool Later(string a, string? b) =>
        b is null || a.Length > b.Length || (a.Length == b.Length && string.CompareOrdinal(a, b) > 0);
}
