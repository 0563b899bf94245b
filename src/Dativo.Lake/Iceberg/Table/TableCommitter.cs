using System.Text;
using Dativo.Core.Errors;
using Dativo.Core.Faults;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Metadata;
using Polly;
using Polly.Retry;
using Dativo.Lake.Storage;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>One attempt's outcome: the new metadata, the result to report, and the files to delete if the attempt loses.</summary>
internal sealed record PendingCommit(TableMetadata Metadata, CommitResult Result, IReadOnlyList<string> AttemptKeys);

/// <summary>
/// The commit protocol: write <c>v{N+1}.metadata.json</c> with PutIfAbsent, then compare-and-swap the catalog pointer.
/// On conflict: delete the attempt's files, re-read, re-apply the change on the new state, retry with backoff.
/// If the swap throws (outcome unknown) the catalog is re-read: our location current → success; another → conflict;
/// unchanged → the same swap is tried again (never a new metadata file).
/// </summary>
internal sealed class TableCommitter(ICatalog catalog, TableIdentifier id, TableIO io, string tableKey, TimeProvider time)
{
    public const int DefaultRetries = 10;

    /// <summary>
    /// False while no catalog swap of this commit can have taken effect (a failure then certainly committed nothing,
    /// so the files written for it can go); true from the start of a swap until it is known to have lost.
    /// </summary>
    public bool MayHaveCommitted { get; private set; }

    public async Task<(TableMetadata Metadata, string Location, CommitResult Result)> CommitAsync(
        TableMetadata current, string currentLocation,
        Func<TableMetadata, int, CancellationToken, Task<PendingCommit>> apply, CancellationToken ct)
    {
        var retries = (int)current.PropertyLong("commit.retry.num-retries", DefaultRetries);
        var minWait = current.PropertyLong("commit.retry.min-wait-ms", 20);
        var maxWait = current.PropertyLong("commit.retry.max-wait-ms", 2000);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (retries > 0) // 0 (allowed, as in Java) means one attempt; Polly refuses a retry strategy without retries
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<CommitConflictException>(),
                MaxRetryAttempts = retries,
                Delay = TimeSpan.FromMilliseconds(minWait),
                MaxDelay = TimeSpan.FromMilliseconds(maxWait),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        var pipeline = builder.Build();
        var attempt = 0;
        var baseMeta = current;
        var baseLoc = currentLocation;
        try
        {
            return await pipeline.ExecuteAsync(async token =>
            {
                var a = attempt++;
                if (a > 0) (baseMeta, baseLoc) = await LoadAsync(token);
                return await AttemptAsync(baseMeta, baseLoc, a, apply, token);
            }, ct);
        }
        catch (CommitConflictException e)
        {
            throw new DativoException($"table {id}: commit failed after {attempt} attempts because other writers kept committing ({e.Message}); retry later or raise commit.retry.num-retries");
        }
        catch (Exception) when (_unswappedMetadata is { } key && !MayHaveCommitted)
        {
            // failed between writing the metadata file and swapping the pointer: nothing can reference the file
            await DeleteQuietlyAsync([key], CancellationToken.None);
            throw;
        }
    }

    /// <summary>The metadata file of the current attempt while its swap has not started.</summary>
    private string? _unswappedMetadata;

    private async Task<(TableMetadata, string)> LoadAsync(CancellationToken ct)
    {
        var loc = await catalog.LoadMetadataLocationAsync(id, ct) ?? throw new DativoException($"table {id} no longer exists in catalog '{catalog.Name}'");
        return (await TableDamage.ReadCurrentMetadataAsync(io, loc, id.ToString(), inCatalog: true, ct), loc);
    }

    private async Task<(TableMetadata, string, CommitResult)> AttemptAsync(TableMetadata baseMeta, string baseLoc, int attempt,
        Func<TableMetadata, int, CancellationToken, Task<PendingCommit>> apply, CancellationToken ct)
    {
        var pending = await apply(baseMeta, attempt, ct);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var maxLog = (int)baseMeta.PropertyLong("write.metadata.previous-versions-max", 100);
        var log = baseMeta.MetadataLog.Append(new MetadataLogEntry(baseMeta.LastUpdatedMs, baseLoc)).TakeLast(Math.Max(1, maxLog)).ToList();
        var newMeta = pending.Metadata with { LastUpdatedMs = Math.Max(now, baseMeta.LastUpdatedMs), MetadataLog = log };
        var json = Encoding.UTF8.GetBytes(TableMetadataJson.ToJson(newMeta));

        var version = (TableMetadataJson.VersionOf(baseLoc) ?? baseMeta.MetadataLog.Count + 1) + 1;
        string key;
        for (var tries = 0; ; tries++)
        {
            key = $"{tableKey}/metadata/v{version}.metadata.json";
            try
            {
                if (await io.Store.PutIfAbsentAsync(key, new MemoryStream(json), ct)) break;
            }
            catch (ObjectWriteConflictException) when (tries < 20)
            {
                // a store may report a lost create race as an error (the winner's file can even be gone already);
                // any other error (a full disk) is the storage failing, not the name being taken, and ends the commit
            }
            // a name taken by a concurrent (or failed) writer: the catalog swap decides who wins, so take the next name
            version++;
        }
        _unswappedMetadata = key;
        var newLoc = io.UriOf(key);
        await FaultPoints.HitAsync(FaultPoints.LakeBeforeSwap, ct);
        bool swapped;
        MayHaveCommitted = true;
        _unswappedMetadata = null;
        try
        {
            swapped = await catalog.SwapMetadataLocationAsync(id, baseLoc, newLoc, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            swapped = await ResolveUnknownAsync(baseLoc, newLoc, e, ct);
        }
        if (!swapped)
        {
            // Never delete a metadata file the catalog points at: with a store whose PutIfAbsent is not atomic two
            // writers can both "create" the same v{N}; the current one must stay.
            var current = await TryLoadLocationAsync(ct);
            if (current == newLoc)
            {
                if (await ContentIsAsync(key, json, ct)) return await SucceedAsync(newMeta, newLoc, version, pending, attempt);
                MayHaveCommitted = false;
                throw new CommitConflictException($"{newLoc} was committed by another writer");
            }
            MayHaveCommitted = false;
            await DeleteQuietlyAsync([key, .. pending.AttemptKeys], ct);
            throw new CommitConflictException($"{baseLoc} is no longer current");
        }
        if (!await ContentIsAsync(key, json, ct))
        {
            // another writer overwrote our v{N} before the swap: what is current is its (consistent) metadata; redo ours on top
            MayHaveCommitted = false;
            throw new CommitConflictException($"{newLoc} holds another writer's metadata");
        }
        return await SucceedAsync(newMeta, newLoc, version, pending, attempt);
    }

    private async Task<(TableMetadata, string, CommitResult)> SucceedAsync(TableMetadata newMeta, string newLoc, int version, PendingCommit pending, int attempt)
    {
        // the commit has happened: a stop request now must not turn it into a reported failure
        await FaultPoints.HitAsync(FaultPoints.LakeAfterSwap);
        await WriteVersionHintAsync(version, CancellationToken.None);
        return (newMeta, newLoc, pending.Result with { MetadataLocation = newLoc, Attempts = attempt + 1 });
    }

    private async Task<string?> TryLoadLocationAsync(CancellationToken ct)
    {
        try { return await catalog.LoadMetadataLocationAsync(id, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { return null; }
    }

    private async Task<bool> ContentIsAsync(string key, byte[] expected, CancellationToken ct)
    {
        try
        {
            await using var s = await io.Store.OpenReadAsync(key, ct);
            using var ms = new MemoryStream();
            await s.CopyToAsync(ms, ct);
            return ms.GetBuffer().AsSpan(0, (int)ms.Length).SequenceEqual(expected);
        }
        catch (ObjectNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return true; // unreadable now: an atomic create made it ours
        }
    }

    private async Task<bool> ResolveUnknownAsync(string baseLoc, string newLoc, Exception swapError, CancellationToken ct)
    {
        for (var i = 0; i < 3; i++)
        {
            string? current;
            try
            {
                current = await catalog.LoadMetadataLocationAsync(id, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (i < 2) { await Task.Delay(TimeSpan.FromMilliseconds(200 * (i + 1)), time, ct); continue; }
                throw new CommitStateUnknownException(
                    $"table {id}: the catalog update failed ({swapError.Message}) and the catalog cannot be read ({e.Message}); " +
                    $"the commit may or may not have happened. Do not delete {newLoc}; check the table with 'dativo table show' before retrying.", swapError);
            }
            if (current == newLoc) return true;
            if (current != baseLoc) return false;
            try
            {
                // still the old pointer: the swap did not apply; trying the same swap again is idempotent
                return await catalog.SwapMetadataLocationAsync(id, baseLoc, newLoc, ct)
                    || await catalog.LoadMetadataLocationAsync(id, ct) == newLoc;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                swapError = e;
            }
        }
        throw new CommitStateUnknownException($"table {id}: the catalog update kept failing ({swapError.Message}); the commit did not become visible. Do not delete {newLoc}.", swapError);
    }

    private async Task WriteVersionHintAsync(int version, CancellationToken ct)
    {
        try
        {
            await io.Store.PutAsync($"{tableKey}/metadata/version-hint.text", new MemoryStream(Encoding.UTF8.GetBytes(version.ToString(System.Globalization.CultureInfo.InvariantCulture))), ct);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // the hint is advisory (the catalog is the source of truth), and the commit has happened: a full disk refusing
            // these few bytes must not turn it into a reported failure
        }
    }

    private async Task DeleteQuietlyAsync(IEnumerable<string> keys, CancellationToken ct)
    {
        foreach (var k in keys)
        {
            try { await io.Store.DeleteAsync(k, ct); } catch (IOException) { }
        }
    }
}
