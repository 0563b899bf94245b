using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Core.Faults;
using Dativo.Ingestion.Bulk;
using Dativo.Ingestion.Quarantine;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Dativo.Ingestion.Sources;
using Dativo.Ingestion.State;
using Dativo.Ingestion.Targets;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Running;

/// <summary>
/// One job: source → coercion → target, then one commit that publishes the data and the new source
/// state together, then a copy of the state into the state store (see docs/ingestion.md "State").
/// A run holds the job's lease throughout (a second run at once fails at the start), and its commit is a
/// compare-and-set on the job's state (docs/guarantees.md). Once the commit starts it is not cancelled, and
/// nothing after it can turn the run into a failure: what the result reports is what was committed.
/// </summary>
public static class JobRunner
{
    public const string StateNamespace = "ingestion";

    public static async Task<JobResult> RunAsync(LoadedJob job, RunOptions o, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var runId = $"{o.Time.GetUtcNow():yyyyMMdd'T'HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        var stateKey = $"{job.Config.TenantId}/{job.Name}";
        var contractSchema = TargetSchema.For(job);
        var loc = TargetLocation.Of(job, o.WorkDir);
        // the state (and so the claim) belongs to a job name on one table: jobs of the same name on other tables are independent
        await using var lease = await JobLease.AcquireAsync(o.State, stateKey, $"{loc.Namespace}.{loc.Table}", runId, o.Time, ct).ConfigureAwait(false);
        var profile = new StageProfile();
        await using var target = await TargetFactory.OpenAsync(job, loc, contractSchema, o.Time, ct).ConfigureAwait(false);
        profile.Setup = sw.Elapsed;
        var committed = target.CommittedState;
        var state = SourceState.Parse(committed);
        var before = state.ToJson();
        var source = SourceFactory.Create(job, o);

        var ingestDate = DateOnly.FromDateTime(o.Time.GetUtcNow().UtcDateTime);
        var coercer = new Coercer(target.Schema, ingestDate);
        var qstore = TargetStores.Open(job, loc.Warehouse);
        await using var quarantine = new QuarantineWriter(qstore, $"{loc.Namespace}/_quarantine/{loc.Table}/{runId}.jsonl", runId, job.Config.TenantId, job.Name, o.Time);
        var t0 = Stopwatch.GetTimestamp();
        var bulk = await BulkStage.RunAsync(job, o, source, target, state, ingestDate, ct).ConfigureAwait(false);
        long read = bulk.Rows, written = bulk.Rows, bytes = bulk.Bytes;
        profile.Bulk = Stopwatch.GetElapsedTime(t0);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            // two stages, two cores: the source parses and the coercer validates on one task, while this one
            // encodes and writes the data files (the writer computes column metrics on a third task)
            var channel = Channel.CreateBounded<CoercedBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
            // written batches come back for the next ones: fresh 65 k-row arrays are large-object-heap allocations, whose
            // garbage collections cost ~15 % of a PostgreSQL run (bench/ingestion/README.md)
            var reuse = new ConcurrentQueue<ColumnBatch>();
            var producer = Task.Run(() => ProduceAsync(source, state, coercer, target.Schema, channel.Writer, profile, reuse, stop.Token), stop.Token);
            try
            {
                await foreach (var b in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    read += b.Read;
                    bytes += b.Bytes;
                    if (b.Rows.Count > 0)
                    {
                        var t2 = Stopwatch.GetTimestamp();
                        await target.WriteAsync(b.Rows, ct).ConfigureAwait(false);
                        profile.Write += Stopwatch.GetElapsedTime(t2);
                        written += b.Rows.Count;
                        if (reuse.IsEmpty) reuse.Enqueue(b.Rows.Release());
                    }
                    await quarantine.AddAsync(b.Rejections, ct).ConfigureAwait(false);
                    o.Progress?.Report(job.Name, read, written, bytes, (source as Sources.Files.FileSource)?.BytesSelected ?? 0);
                }
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false); // a failed writer must not leave the producer blocked
                try { await producer.ConfigureAwait(false); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { /* stopped by the writer's failure */ }
            }
        }
        finally
        {
            // rejections are kept even when the run fails: they are evidence, not data
            await quarantine.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var after = state.ToJson();
        var rejected = quarantine.Count == 0 ? 0 : CountRecords(quarantine.Count, contractSchema.WarnMode, read - written);
        if (job.ReplacesData && rejected > 0 && !contractSchema.WarnMode)
            throw new DativoException($"job {stateKey}: {rejected:N0} record(s) broke the contract (quarantine {quarantine.Uri}); with target.mode " +
                $"{job.TargetMode} a partial load would replace the table's rows, so nothing was committed. Fix those records, or use " +
                "schema_validation_mode: warn to keep them with their invalid values");
        string? snapshot = null;
        string? warning = null;
        var noNew = written == 0 && after == before;
        if (!noNew)
        {
            // the last point where a stop request leaves the table untouched; from here the commit runs to its end
            await FaultPoints.HitAsync(FaultPoints.IngestBeforeCommit, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            var t3 = Stopwatch.GetTimestamp();
            var info = await target.CommitAsync(after, CancellationToken.None).ConfigureAwait(false);
            profile.Commit += Stopwatch.GetElapsedTime(t3);
            snapshot = info.Id;
            await FaultPoints.HitAsync(FaultPoints.IngestAfterCommit, CancellationToken.None).ConfigureAwait(false);
        }
        try
        {
            if (snapshot is not null) await FaultPoints.HitAsync(FaultPoints.IngestStateSync, CancellationToken.None).ConfigureAwait(false);
            await SyncStateStoreAsync(o, stateKey, target.CommittedState, state, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // the table holds the state with the data; the store's copy is repaired by the next run
            warning = $"the state store copy of the job state was not updated ({e.Message}); the next run repairs it from the table";
        }
        profile.Report(job.Name, sw.Elapsed);
        return new JobResult
        {
            Job = job.Name,
            Tenant = job.Config.TenantId,
            Table = target.Display,
            RowsRead = read,
            RowsWritten = written,
            Rejected = rejected,
            WarnMode = contractSchema.WarnMode,
            Files = target.FilesWritten,
            Bytes = target.BytesWritten,
            SnapshotId = snapshot,
            Quarantine = quarantine.Count > 0 ? quarantine.Uri : null,
            Duration = sw.Elapsed,
            NoNewData = noNew,
            Bulk = bulk,
            Warning = warning,
        };
    }

    /// <summary>Source → coercion on the producer task, into batches the writer has handed back or new ones.</summary>
    private static async Task ProduceAsync(ISource source, SourceState state, Coercer coercer, TargetSchema schema,
        ChannelWriter<CoercedBatch> channel, StageProfile profile, ConcurrentQueue<ColumnBatch> reuse, CancellationToken ct)
    {
        try
        {
            var t0 = Stopwatch.GetTimestamp();
            await foreach (var raw in source.ReadAsync(state, ct).ConfigureAwait(false))
            {
                var t1 = Stopwatch.GetTimestamp();
                profile.Read += Stopwatch.GetElapsedTime(t0, t1);
                var rejections = new List<Rejection>(raw.SourceRejections);
                var output = reuse.TryDequeue(out var used) && used.Capacity == raw.Count ? used : new ColumnBatch(schema, raw.Count);
                if (raw.Count > 0) coercer.Coerce(raw, output, rejections);
                t0 = Stopwatch.GetTimestamp();
                profile.Coerce += Stopwatch.GetElapsedTime(t1, t0);
                await channel.WriteAsync(new CoercedBatch(output, rejections, raw.Count + raw.SourceRejections.Count, raw.Bytes), ct).ConfigureAwait(false);
                t0 = Stopwatch.GetTimestamp();
            }
            channel.Complete();
        }
        catch (Exception e)
        {
            channel.Complete(e);
        }
    }

    private sealed record CoercedBatch(ColumnBatch Rows, List<Rejection> Rejections, long Read, long Bytes);

    /// <summary>Strict: records left out = read − written. Warn: records flagged (a record may have several failing fields).</summary>
    private static long CountRecords(long failures, bool warn, long leftOut) => warn ? Math.Max(failures, leftOut) : leftOut;

    /// <summary>
    /// Copies the committed state into the state store, one entry per object plus one for the job, keyed by
    /// tenant/job[/object]. The table snapshot is the source of truth: when the store is behind (a crash
    /// after the commit), this repairs it on the next run.
    /// </summary>
    private static async Task SyncStateStoreAsync(RunOptions o, string key, string? committed, SourceState state, CancellationToken ct)
    {
        if (committed is null) return;
        var current = await o.State.GetAsync(StateNamespace, key, ct).ConfigureAwait(false);
        if (current?.Json == committed) return;
        await o.State.PutAsync(StateNamespace, key, committed, null, null, ct).ConfigureAwait(false);
        foreach (var (table, cursor) in state.Cursors)
            await o.State.PutAsync(StateNamespace, $"{key}/{table}", System.Text.Json.JsonSerializer.Serialize(cursor), null, null, ct).ConfigureAwait(false);
        foreach (var g in state.Files.GroupBy(f => f.Value.Object))
            await o.State.PutAsync(StateNamespace, $"{key}/{g.Key}", System.Text.Json.JsonSerializer.Serialize(g.ToDictionary(x => x.Key, x => x.Value)), null, null, ct).ConfigureAwait(false);
    }
}
