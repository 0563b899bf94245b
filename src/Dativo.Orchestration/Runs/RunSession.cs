using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Runs;

/// <summary>One execution of a run record: admission, heartbeat/cancel watch, the task graph, the final status.</summary>
internal sealed partial class RunSession : IAsyncDisposable
{
    private readonly RunEngine _engine;
    private readonly RunOptions _o;
    private readonly LoadedPipeline _pipeline;
    private readonly RunRecord _run;
    private readonly CancellationToken _callerCt;
    private readonly CancellationTokenSource _cancel;
    private readonly SemaphoreSlim _runWrite = new(1, 1);
    private readonly ItemJournal _journal;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _outputs = new(StringComparer.Ordinal);
    private readonly Lock _outputsGate = new();
    private CancellationTokenSource? _timeout;
    private (int Index, long Version)? _slot;
    private volatile RunFencedException? _fenced;

    public RunSession(RunEngine engine, LoadedPipeline pipeline, RunRecord run, CancellationToken ct)
    {
        _engine = engine;
        _o = engine.Options;
        _pipeline = pipeline;
        _run = run;
        _callerCt = ct;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _journal = new ItemJournal(_o.Store, run.RunId, pipeline.RunTtl, run.Owner!.Fence);
    }

    private TimeProvider Time => _o.Time;

    public async Task<RunRecord> ExecuteAsync()
    {
        using var heartbeat = new CancellationTokenSource();
        Task? watch = null;
        try
        {
            if (!await AdmitAsync()) return _run;
            if (_run.RunCounter > 1) await Leftovers.StopAsync(_o.Store, _run, _cancel.Token); // never two live attempts of one item
            _run.Status = RunStatus.Running;
            _run.StartedAt = Time.GetUtcNow();
            await SaveRunAsync();
            Emit(null, null, RunStatus.Running, 0, $"run {_run.RunId} #{_run.RunCounter}" + (_run.ResumedFrom is null ? "" : $" (resuming from {_run.ResumedFrom})"));
            watch = WatchAsync(heartbeat.Token);
            if (Durations.ParseOrNull(_pipeline.Definition.Timeout) is { } limit)
            {
                _timeout = new CancellationTokenSource(limit, Time);
                _timeout.Token.Register(() => _cancel.Cancel());
            }

            var tasks = new Dictionary<string, Task<string>>(StringComparer.Ordinal);
            foreach (var t in _pipeline.Tasks)
            {
                var deps = t.DependsOn.Select(d => tasks[d]).ToArray();
                tasks[t.Name] = RunTaskAsync(t, deps);
            }
            await Task.WhenAll(tasks.Values);
            await _journal.DisposeAsync();

            var statuses = _pipeline.Tasks.Select(t => _run.Tasks[t.Name].Status).ToList();
            _run.Status =
                _timeout?.IsCancellationRequested == true ? RunStatus.TimedOut :
                _cancel.IsCancellationRequested ? RunStatus.Cancelled :
                statuses.All(s => s == RunStatus.Succeeded) ? RunStatus.Succeeded :
                statuses.All(s => s is RunStatus.Succeeded or RunStatus.Skipped) ? RunStatus.Skipped : RunStatus.Failed;
            // a skipped run (a task had nothing to do) reports the first skipped task's reason
            var failedTask = _pipeline.Tasks.FirstOrDefault(t => _run.Tasks[t.Name].Status is not RunStatus.Succeeded and not RunStatus.Skipped)
                ?? (_run.Status == RunStatus.Skipped ? _pipeline.Tasks.First(t => _run.Tasks[t.Name].Status == RunStatus.Skipped) : null);
            _run.CurrentStep = failedTask?.Name ?? _pipeline.Tasks[^1].Name;
            if (_run.Status != RunStatus.Succeeded && _run.Error is null)
                _run.Error = failedTask is null ? null : $"task {failedTask.Name}: {_run.Tasks[failedTask.Name].Error ?? _run.Tasks[failedTask.Name].Status.ToLowerInvariant()}";
        }
        catch (Exception e) when (e is not OperationCanceledException || !_callerCt.IsCancellationRequested)
        {
            if (e is RunFencedException f) Fence(f);
            _run.Status = RunStatus.Failed;
            _run.Error = e is DativoException ? e.Message : $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            await heartbeat.CancelAsync();
            if (watch is not null) await watch;
            _run.EndedAt = Time.GetUtcNow();
            if (_fenced is not null)
            {
                // another worker holds the run now: write nothing more, say why this copy stopped
                _run.Status = RunStatus.Cancelled;
                _run.Error = _fenced.Message;
            }
            else if (RunStatus.IsTerminal(_run.Status) || _callerCt.IsCancellationRequested)
            {
                if (!RunStatus.IsTerminal(_run.Status)) _run.Status = RunStatus.Cancelled;
                await SaveRunAsync(final: true);
            }
            await ReleaseSlotAsync();
        }
        Emit(null, null, _run.Status, 0, _run.Error);
        if (_o.Alerts is not null) await _o.Alerts.RunFinishedAsync(_pipeline, _run, CancellationToken.None);
        return _run;
    }

    /// <summary>
    /// Pipeline-level concurrency: the run takes one of the pipeline's <c>limit</c> admission slots (compare-and-set in
    /// the run store, so runs starting at the same instant, in this process or another, cannot both take the last one);
    /// with none free it queues, is cancelled or fails. A slot whose holder is finished or dead is free.
    /// </summary>
    private async Task<bool> AdmitAsync()
    {
        if (_pipeline.Definition.Concurrency?.Limit is not { } limit) return true;
        // a backfill parent does no work itself: its day runs take the slots (with limit 1 it would wait on its own children)
        if (_run.Kind == "backfill") return true;
        var behavior = _pipeline.Definition.Concurrency.Behavior ?? "queue";
        var announced = false;
        while (true)
        {
            if (await TryClaimSlotAsync(limit)) return true;
            if (behavior != "queue")
            {
                _run.Status = behavior == "cancel" ? RunStatus.Cancelled : RunStatus.Failed;
                _run.Error = $"{limit} run(s) of '{_pipeline.Name}' already running (concurrency limit {limit}, behavior {behavior})";
                return false;
            }
            if (!announced)
            {
                Emit(null, null, RunStatus.Queued, 0, $"waiting: {limit} run(s) of '{_pipeline.Name}' running, limit {limit}");
                announced = true;
            }
            await Task.Delay(_o.QueuePoll, Time, _cancel.Token);
        }
    }

    private async Task<bool> TryClaimSlotAsync(int limit)
    {
        for (var i = 0; i < limit; i++)
        {
            var (holder, version) = await _o.Store.GetSlotAsync(_pipeline.Name, i, _cancel.Token);
            if (holder is not null && holder != _run.RunId
                && await _o.Store.GetRunAsync(holder, _cancel.Token) is { } h && RunOwnership.IsLive(h, Time, _o.Heartbeat))
                continue;
            if (await _o.Store.TrySetSlotAsync(_pipeline.Name, i, _run.RunId, version, _cancel.Token) is { } taken)
            {
                _slot = (i, taken);
                return true;
            }
        }
        return false;
    }

    /// <summary>Frees the run's admission slot; best effort, as a finished run's slot is free anyway.</summary>
    private async Task ReleaseSlotAsync()
    {
        if (_slot is not { } slot) return;
        _slot = null;
        try { await _o.Store.TrySetSlotAsync(_pipeline.Name, slot.Index, null, slot.Version, CancellationToken.None); }
        catch (Exception e) when (e is not OutOfMemoryException) { Emit(null, null, _run.Status, 0, "could not free the admission slot: " + e.Message); }
    }

    /// <summary>
    /// Refreshes the heartbeat (and the lease), and turns a stored cancel request into cancellation. An owner that was
    /// fenced off, or could not renew its lease before it ran out, stops the run's work: another worker may hold it now.
    /// </summary>
    private async Task WatchAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_o.Heartbeat, Time, stop);
                await SaveRunAsync();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RunFencedException)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Emit(null, null, RunStatus.Running, 0, "heartbeat failed: " + e.Message);
                if (_run.Owner?.LeaseUntil is { } until && Time.GetUtcNow() >= until)
                {
                    Fence(new RunFencedException(_run.RunId, _run.Owner.Fence, _run.Owner.Fence));
                    Emit(null, null, RunStatus.Running, 0, "the lease ran out before it could be renewed; this worker stops the run's work");
                    return;
                }
            }
        }
    }

    private void Fence(RunFencedException e)
    {
        if (_fenced is not null) return;
        _fenced = e;
        try { _cancel.Cancel(); } catch (ObjectDisposedException) { }
    }

    /// <summary>Writes the run record; a concurrent writer can only have set the cancel flag, which is merged.</summary>
    private async Task SaveRunAsync(bool final = false)
    {
        await _runWrite.WaitAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 20; i++)
            {
                if (_fenced is { } fenced) throw fenced;
                var now = Time.GetUtcNow();
                var renewed = _run.Owner! with { HeartbeatAt = now, LeaseUntil = now + _o.Lease };
                var previous = _run.Owner;
                _run.Owner = renewed;
                if (await _o.Store.TryPutRunAsync(_run, _pipeline.RunTtl, CancellationToken.None)) return;
                _run.Owner = previous; // not written: the lease held is still the last one stored
                var stored = await _o.Store.GetRunAsync(_run.RunId, CancellationToken.None)
                    ?? throw new DativoException($"run {_run.RunId} was cleared while running");
                if (stored.Owner?.Fence is { } current && current != previous.Fence)
                {
                    var e = new RunFencedException(_run.RunId, previous.Fence, current);
                    Fence(e);
                    throw e;
                }
                _run.Version = stored.Version;
                if (stored.CancelRequested && !final)
                {
                    _run.CancelRequested = true;
                    await _cancel.CancelAsync();
                }
            }
            throw new DativoException($"run {_run.RunId}: too many concurrent updates of the run record");
        }
        finally
        {
            _runWrite.Release();
        }
    }

    private void Emit(string? task, string? dataset, string status, int attempt, string? message) =>
        _o.Progress?.Invoke(new RunEvent(_run.RunId, task, dataset, status, attempt, message));

    public async ValueTask DisposeAsync()
    {
        await _journal.DisposeAsync();
        _timeout?.Dispose();
        _cancel.Dispose();
        _runWrite.Dispose();
    }
}
