using System.Collections.Concurrent;
using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Tasks;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// Fan-out items shared by several workers through item leases (<see cref="ItemLeases"/>). The run's owner and any idle
/// worker (a helper) run the same loop: look at the task's lease records, claim an open item (free, released, expired, or
/// failed in an earlier run counter), run it under its lease, store its outcome with the lease's last write. The owner
/// also adopts the outcomes of items done elsewhere into the run's item records, waits for items leased elsewhere and
/// takes over those whose lease ran out; it finishes the task when every item has its outcome. The task's concurrency
/// is the number of live leases across all workers: a worker counts them again after each claim and gives the claim
/// back when the limit is exceeded (of several workers claiming at once, the last to write sees every other claim).
/// </summary>
internal sealed partial class RunSession
{
    private readonly ConcurrentDictionary<(string Task, int Index), ItemLease> _held = new();

    /// <summary>Stores an item's state: in its lease record while this worker holds it, else in the run's item records.</summary>
    private async Task SaveItemAsync(string task, ItemRecord item)
    {
        if (_held.TryGetValue((task, item.Index), out var lease))
        {
            if (!await lease.SaveAsync(item)) throw new ItemLeaseLostException(task, item.Dataset);
            return;
        }
        await _journal.SaveAsync(task, item);
    }

    /// <summary>
    /// Helps run task <paramref name="taskName"/> of a run another worker owns: runs items while there are items to
    /// claim; returns how many it ran (0: nothing was open, or the task's concurrency is used up elsewhere).
    /// </summary>
    public async Task<int> HelpAsync(string taskName)
    {
        var t = _pipeline.Tasks.First(x => x.Name == taskName);
        if (_o.Registry.Find(t.Type, out _) is not { } executor) return 0;
        foreach (var done in _pipeline.Tasks.Where(x => RunStatus.IsTerminal(_run.Tasks.GetValueOrDefault(x.Name)?.Status ?? "")))
        {
            var record = _run.Tasks[done.Name];
            var stored = await _o.Store.GetItemsAsync(_run.RunId, done.Name, _cancel.Token);
            PublishOutputs(done, record, stored.Count > 0 ? stored.Values : [new ItemRecord { Status = record.Status, Outputs = record.Outputs ?? [] }]);
        }
        var names = _run.Tasks[t.Name].Datasets ?? [];
        var chunks = await _o.Store.GetItemsAsync(_run.RunId, t.Name, _cancel.Token);
        var items = new Dictionary<int, ItemRecord>(names.Count);
        for (var i = 0; i < names.Count; i++)
            items[i] = chunks.TryGetValue(i, out var s) ? s : new ItemRecord { Index = i, Dataset = names[i] };
        return await RunSharedItemsAsync(t, executor, items, owner: false);
    }

    private async Task<int> RunSharedItemsAsync(TaskDefinition t, ITaskExecutor executor, Dictionary<int, ItemRecord> items, bool owner)
    {
        var leases = _o.ItemLeases!;
        var limit = t.Concurrency ?? _o.DefaultConcurrency;
        var local = Math.Min(limit, _o.ItemSlots ?? limit);
        using var slots = new SemaphoreSlim(local);
        var mine = new Dictionary<int, Task<long?>>();
        var adopted = new Dictionary<int, long>();
        var closed = new HashSet<int>();
        var ran = 0;
        var start = owner ? 0 : Random.Shared.Next(Math.Max(1, items.Count)); // helpers start elsewhere than the owner: fewer lost claims
        var claiming = true;
        while (true)
        {
            foreach (var (i, work) in mine.Where(kv => kv.Value.IsCompleted).ToList())
            {
                mine.Remove(i);
                if (await work is { } version) adopted[i] = version; // this worker's own outcome, already in the item records
            }
            foreach (var (key, lease) in _held.Where(kv => kv.Key.Task == t.Name).ToList())
            {
                try
                {
                    await lease.RenewAsync(); // a refused renewal cancels the item's work (another worker holds it)
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Emit(t.Name, items[key.Index].Dataset, RunStatus.Running, 0, "could not renew the item's lease: " + e.Message);
                }
            }
            if (!owner) claiming &= await RunStillSharedAsync(t);

            var claims = await leases.ListAsync(_run.RunId, t.Name, CancellationToken.None);
            var now = Time.GetUtcNow();
            var live = claims.Values.Count(c => c.IsLive(now));
            var open = new List<int>();
            var elsewhere = new List<int>();
            var adopting = new List<Task>();
            foreach (var (i, item) in items)
            {
                if (mine.ContainsKey(i) || closed.Contains(i)) continue;
                var claim = claims.GetValueOrDefault(i);
                if (claim is not null && claim.Finishes(_run.RunCounter))
                {
                    if (adopted.GetValueOrDefault(i) != claim.Version)
                    {
                        adopted[i] = claim.Version;
                        items[i] = claim.Item!;
                        if (owner)
                        {
                            adopting.Add(_journal.SaveAsync(t.Name, claim.Item!));
                            if (claim.Worker != leases.Worker) Emit(t.Name, claim.Item!.Dataset, claim.Item.Status, claim.Item.Attempts.Count, $"done by worker {claim.Worker}");
                        }
                    }
                    continue;
                }
                if (item.Status == RunStatus.Succeeded) continue;
                if (claim is not null && claim.IsLive(now)) elsewhere.Add(i);
                else open.Add(i);
            }
            await Task.WhenAll(adopting);

            if (_cancel.IsCancellationRequested)
            {
                await Task.WhenAll(mine.Values); // their attempts end as cancelled; the items are given back
                if (owner)
                {
                    await Task.WhenAll(mine.Keys.Select(i => _journal.SaveAsync(t.Name, items[i])));
                    foreach (var i in open.Concat(elsewhere))
                    {
                        await FinishItemAsync(t, items[i], RunStatus.Cancelled,
                            elsewhere.Contains(i) ? "cancelled; it may still finish on the worker that holds it" : items[i].Attempts.Count > 0 ? "cancelled" : "cancelled before it started");
                        closed.Add(i);
                    }
                }
                return ran;
            }
            if (open.Count == 0 && mine.Count == 0 && (elsewhere.Count == 0 || !owner)) return ran;

            var budget = claiming ? Math.Min(local - mine.Count, limit - live) : 0;
            foreach (var i in open.OrderBy(i => (i - start + items.Count) % Math.Max(1, items.Count)))
            {
                if (budget <= 0) break;
                var claim = claims.GetValueOrDefault(i);
                var item = claim?.Item is { } held && held.Attempts.Count >= items[i].Attempts.Count ? held : items[i];
                var lease = await leases.TryClaimAsync(_run.RunId, t.Name, i, claim, _run.RunCounter, item, _pipeline.RunTtl, CancellationToken.None);
                if (lease is null) continue; // another worker was first
                var after = await leases.ListAsync(_run.RunId, t.Name, CancellationToken.None);
                var nowAfter = Time.GetUtcNow();
                if (after.Values.Count(c => c.IsLive(nowAfter)) > limit)
                {
                    await lease.ReleaseAsync();
                    lease.Dispose();
                    break;
                }
                items[i] = item;
                _held[(t.Name, i)] = lease;
                mine[i] = RunLeasedItemAsync(t, executor, item, lease, slots, owner);
                ran++;
                budget--;
            }
            if (!owner && mine.Count == 0) return ran;

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
            var poll = TimeSpan.FromMilliseconds(_o.Heartbeat.TotalMilliseconds * (0.75 + 0.5 * Random.Shared.NextDouble()));
            var delay = Task.Delay(poll, Time, wake.Token);
            await Task.WhenAny(mine.Values.Cast<Task>().Append(delay));
            await wake.CancelAsync();
            try { await delay; } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Runs one claimed item (all its attempts) and stores its outcome with the lease; the new record version, or null when refused.</summary>
    private async Task<long?> RunLeasedItemAsync(TaskDefinition t, ITaskExecutor executor, ItemRecord item, ItemLease lease, SemaphoreSlim slots, bool owner)
    {
        await Task.Yield();
        try
        {
            await RunItemAsync(t, executor, item, slots, lease.Token);
            if (item.Status == RunStatus.Cancelled && !lease.Lost)
            {
                // this worker stopped (or the run is being cancelled): not an outcome — the item is open again for the run
                await lease.ReleaseAsync(item);
                return null;
            }
            if (!await lease.FinishAsync(item)) throw new ItemLeaseLostException(t.Name, item.Dataset);
            if (owner) await _journal.SaveAsync(t.Name, item);
            return lease.Version;
        }
        catch (ItemLeaseLostException e)
        {
            Emit(t.Name, item.Dataset, RunStatus.Cancelled, item.Attempts.Count, e.Message);
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // the store failed: the lease runs out and the item is claimed again (by this worker or another)
            Emit(t.Name, item.Dataset, RunStatus.Running, item.Attempts.Count, "could not store the item's state: " + (e is DativoException ? e.Message : $"{e.GetType().Name}: {e.Message}"));
            return null;
        }
        finally
        {
            _held.TryRemove((t.Name, item.Index), out _);
            lease.Dispose();
        }
    }

    /// <summary>A helper's view of the run: cancel the work when the run ends or is cancelled; stop claiming when the task is no longer shared in this run counter.</summary>
    private async Task<bool> RunStillSharedAsync(TaskDefinition t)
    {
        var stored = await _o.Store.GetRunAsync(_run.RunId, CancellationToken.None);
        if (stored is null || stored.CancelRequested || RunStatus.IsTerminal(stored.Status))
        {
            await _cancel.CancelAsync();
            return false;
        }
        return stored.RunCounter == _run.RunCounter && stored.Tasks.GetValueOrDefault(t.Name) is { Status: RunStatus.Running, SharedCounter: { } c } && c == _run.RunCounter;
    }
}
