using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Tasks;

namespace Dativo.Orchestration.Runs;

internal sealed partial class RunSession
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _ranNow = new(StringComparer.Ordinal);

    private async Task<string> RunTaskAsync(TaskDefinition t, Task<string>[] deps)
    {
        var depStatuses = await Task.WhenAll(deps);
        var record = _run.Tasks[t.Name];
        var items = await LoadItemsAsync(t, record);

        // A task that succeeded earlier is kept unless something upstream ran again (its inputs changed).
        var upstreamRan = t.DependsOn.Any(_ranNow.ContainsKey);
        if (record.Status == RunStatus.Succeeded && items.Values.All(i => i.Status == RunStatus.Succeeded) && !upstreamRan)
        {
            PublishOutputs(t, record, items.Values);
            Emit(t.Name, null, RunStatus.Succeeded, 0, "already succeeded in an earlier run; skipped");
            return RunStatus.Succeeded;
        }

        string? skipReason = null;
        if (_cancel.IsCancellationRequested) skipReason = "cancelled";
        else if (!t.AllDone && depStatuses.Any(s => s != RunStatus.Succeeded))
            skipReason = $"upstream {string.Join(", ", t.DependsOn.Where((d, i) => depStatuses[i] != RunStatus.Succeeded))} did not succeed (trigger_rule all_success)";
        if (skipReason is not null)
        {
            var status = _cancel.IsCancellationRequested ? RunStatus.Cancelled : RunStatus.Skipped;
            foreach (var i in items.Values.Where(i => i.Status != RunStatus.Succeeded))
            {
                i.Status = status;
                i.Error = skipReason;
                _ = _journal.SaveAsync(t.Name, i);
            }
            record.Status = status;
            record.Error = skipReason;
            await SaveRunAsync();
            PublishOutputs(t, record, items.Values);
            Emit(t.Name, null, status, 0, skipReason);
            return status;
        }

        var shared = _o.ItemLeases is not null && t.Foreach is not null;
        if (upstreamRan)
        {
            var again = items.Values.Where(i => i.Status == RunStatus.Succeeded).ToList();
            foreach (var i in again) i.Status = RunStatus.Pending;
            if (shared && again.Count > 0)
            {
                // other workers must see these items as open before the task is shared: stored, and their old leases forgotten
                await Task.WhenAll(again.Select(i => _journal.SaveAsync(t.Name, i)));
                await _o.ItemLeases!.ForgetAsync(_run.RunId, t.Name, again.Select(i => i.Index), CancellationToken.None);
            }
        }
        _ranNow[t.Name] = true;
        record.Status = RunStatus.Running;
        record.StartedAt = Time.GetUtcNow();
        record.EndedAt = null;
        record.Error = null;
        record.SharedCounter = shared ? _run.RunCounter : null;
        _run.CurrentStep = t.Name;
        await SaveRunAsync();
        Emit(t.Name, null, RunStatus.Running, 0, t.Foreach is null ? null : $"{items.Count} item(s), {items.Values.Count(i => i.Status == RunStatus.Succeeded)} already done");

        var executor = _o.Registry.Find(t.Type, out var unavailable)
            ?? throw new DativoException($"task type '{t.Type}' is not available in this build: {unavailable}");
        if (shared)
        {
            await RunSharedItemsAsync(t, executor, items, owner: true);
            record.SharedCounter = null;
        }
        else
        {
            using var slots = new SemaphoreSlim(t.Foreach is null ? 1 : t.Concurrency ?? _o.DefaultConcurrency);
            await Task.WhenAll(items.Values.Where(i => i.Status != RunStatus.Succeeded).Select(i => RunItemAsync(t, executor, i, slots)));
        }

        var all = items.Values.ToList();
        record.EndedAt = Time.GetUtcNow();
        record.Status =
            all.All(i => i.Status == RunStatus.Succeeded) ? RunStatus.Succeeded :
            _cancel.IsCancellationRequested && all.Any(i => i.Status == RunStatus.Cancelled) ? RunStatus.Cancelled :
            t.Foreach is null ? all[0].Status : RunStatus.Failed;
        var bad = all.Where(i => i.Status != RunStatus.Succeeded).ToList();
        record.Error = bad.Count == 0 ? null :
            t.Foreach is null ? bad[0].Error : $"{bad.Count} of {all.Count} item(s) did not succeed: " + string.Join(", ", bad.Take(5).Select(i => $"{i.Dataset} {i.Status.ToLowerInvariant()}")) + (bad.Count > 5 ? ", ..." : "");
        PublishOutputs(t, record, all);
        await SaveRunAsync();
        Emit(t.Name, null, record.Status, 0, record.Error);
        return record.Status;
    }

    private async Task<Dictionary<int, ItemRecord>> LoadItemsAsync(TaskDefinition t, TaskRecord record)
    {
        var stored = _run.RunCounter > 1 ? await _o.Store.GetItemsAsync(_run.RunId, t.Name, CancellationToken.None) : new Dictionary<int, ItemRecord>();
        _journal.Load(t.Name, stored.Values);
        var names = record.Datasets ?? [null!];
        var items = new Dictionary<int, ItemRecord>(names.Count);
        for (var i = 0; i < names.Count; i++)
            items[i] = stored.TryGetValue(i, out var s) ? s : new ItemRecord { Index = i, Dataset = t.Foreach is null ? null : names[i] };
        return items;
    }

    private void PublishOutputs(TaskDefinition t, TaskRecord record, IEnumerable<ItemRecord> items)
    {
        Dictionary<string, string> outputs;
        if (t.Foreach is null)
        {
            var item = items.First();
            outputs = new Dictionary<string, string>(item.Outputs, StringComparer.Ordinal);
            record.Outputs = item.Status == RunStatus.Succeeded ? outputs : null;
        }
        else
        {
            var list = items.OrderBy(i => i.Index).ToList();
            var summary = RunSummary.Build(list);
            var perItem = new JsonArray([.. list.Select(i => (JsonNode)new JsonObject
            {
                ["dataset"] = i.Dataset,
                ["status"] = i.Status,
                ["outputs"] = JsonSerializer.SerializeToNode(i.Outputs),
            })]);
            outputs = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["summary"] = RunSummary.Compact(summary),
                ["datasets"] = JsonSerializer.Serialize(list.Select(i => i.Dataset)),
                ["items"] = RunSummary.Compact(perItem),
                ["total"] = list.Count.ToString(CultureInfo.InvariantCulture),
                ["succeeded"] = summary["succeeded"]!.ToString(),
                ["failed"] = (list.Count - (int)summary["succeeded"]!).ToString(CultureInfo.InvariantCulture),
            };
        }
        lock (_outputsGate) _outputs[t.Name] = outputs;
    }

    private async Task RunItemAsync(TaskDefinition t, ITaskExecutor executor, ItemRecord item, SemaphoreSlim slots, CancellationToken itemCt = default)
    {
        var timeout = Durations.ParseOrNull(t.Timeout);
        var retry = t.Retry;
        var maxAttempts = retry?.MaxAttempts ?? 1;
        var backoff = Durations.ParseOrNull(retry?.Backoff) ?? TimeSpan.Zero;
        var multiplier = retry?.Multiplier ?? 2;
        var maxBackoff = Durations.ParseOrNull(retry?.MaxBackoff);
        var maxDuration = Durations.ParseOrNull(retry?.MaxDuration);
        var first = Time.GetUtcNow();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token, itemCt);
        var ct = linked.Token;

        for (var n = 1; ; n++)
        {
            try
            {
                await slots.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                await FinishItemAsync(t, item, RunStatus.Cancelled, "cancelled before it started");
                return;
            }
            // a slot freed by a cancelled attempt can reach a waiter before the cancellation does: never start then
            if (ct.IsCancellationRequested)
            {
                slots.Release();
                await FinishItemAsync(t, item, RunStatus.Cancelled, "cancelled before it started");
                return;
            }
            string outcome;
            try
            {
                outcome = await RunAttemptAsync(t, executor, item, timeout, ct);
            }
            finally
            {
                slots.Release();
            }
            if (outcome is RunStatus.Succeeded or RunStatus.Cancelled or RunStatus.Skipped || n >= maxAttempts) return;
            var delay = TimeSpan.FromMilliseconds(backoff.TotalMilliseconds * Math.Pow(multiplier, n - 1));
            if (maxBackoff is { } cap && delay > cap) delay = cap;
            if (maxDuration is { } budget && Time.GetUtcNow() - first + delay >= budget)
            {
                Emit(t.Name, item.Dataset, outcome, n, $"no more attempts: retry.max_duration {Durations.Format(budget)} reached");
                return;
            }
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, Time, ct);
                }
                catch (OperationCanceledException)
                {
                    await FinishItemAsync(t, item, RunStatus.Cancelled, "cancelled while waiting to retry");
                    return;
                }
            }
        }
    }

    private async Task<string> RunAttemptAsync(TaskDefinition t, ITaskExecutor executor, ItemRecord item, TimeSpan? timeout, CancellationToken runCt)
    {
        // An attempt still marked running was interrupted (the orchestrator died): same key, so remote
        // services de-duplicate, and its handle so the executor can re-attach or clean up.
        var interrupted = item.Attempts.LastOrDefault(a => a.Outcome == RunStatus.Running);
        if (interrupted is not null)
        {
            interrupted.Outcome = RunStatus.Interrupted;
            interrupted.EndedAt ??= interrupted.StartedAt;
        }
        var number = item.Attempts.Count + 1;
        var key = interrupted?.IdempotencyKey ?? RunEngine.IdempotencyKey(_run.RunId, t.Name, item.Index, _run.RunCounter, number);
        var log = Path.GetFullPath(Path.Combine(_o.LogRoot, Safe(_run.Pipeline), Safe(_run.CorrelationId), Safe(t.Name),
            (item.Dataset is null ? "task" : Safe(item.Dataset)) + $".{number}.log"));
        var attempt = new AttemptRecord { Number = number, RunCounter = _run.RunCounter, IdempotencyKey = key, StartedAt = Time.GetUtcNow(), Log = log };
        item.Attempts.Add(attempt);
        item.Status = RunStatus.Running;
        item.Error = null;
        await SaveItemAsync(t.Name, item); // durable before the work starts
        Emit(t.Name, item.Dataset, RunStatus.Running, number, null);

        using var attemptTimeout = timeout is { } limit ? new CancellationTokenSource(limit, Time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(runCt, attemptTimeout.Token);
        TaskOutcome result;
        string status;
        try
        {
            result = await executor.ExecuteAsync(Invocation(t, item, attempt, interrupted?.Handle), linked.Token);
            status = result.Succeeded ? RunStatus.Succeeded : result.Skipped ? RunStatus.Skipped : RunStatus.Failed;
        }
        catch (OperationCanceledException) when (attemptTimeout.IsCancellationRequested && !runCt.IsCancellationRequested)
        {
            result = TaskOutcome.Failed($"timed out after {Durations.Format(timeout!.Value)}; the work was cancelled");
            status = RunStatus.TimedOut;
        }
        catch (OperationCanceledException) when (runCt.IsCancellationRequested)
        {
            result = TaskOutcome.Failed(_timeout?.IsCancellationRequested == true ? "the pipeline timeout was reached" : "cancelled");
            status = RunStatus.Cancelled;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            result = TaskOutcome.Failed(e is DativoException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            status = RunStatus.Failed;
        }
        attempt.EndedAt = Time.GetUtcNow();
        attempt.Outcome = status;
        attempt.Error = result.Error;
        item.Outputs = new Dictionary<string, string>(result.Outputs, StringComparer.Ordinal);
        await FinishItemAsync(t, item, status, result.Error, number);
        return status;
    }

    private async Task FinishItemAsync(TaskDefinition t, ItemRecord item, string status, string? error, int attempt = 0)
    {
        item.Status = status;
        item.Error = status == RunStatus.Succeeded ? null : error;
        if (!_held.ContainsKey((t.Name, item.Index))) await _journal.SaveAsync(t.Name, item); // a leased item's outcome is stored when its lease ends
        Emit(t.Name, item.Dataset, status, attempt, item.Error);
    }

    private TaskInvocation Invocation(TaskDefinition t, ItemRecord item, AttemptRecord attempt, string? previousHandle)
    {
        var context = new RunContext(_run.Pipeline, _run.CorrelationId, _run.RunCounter, _run.ExportDate, _pipeline.Params, _run.StartDate);
        return new TaskInvocation
        {
            Task = t,
            Pipeline = _pipeline,
            Dataset = item.Dataset,
            Attempt = attempt.Number,
            IdempotencyKey = attempt.IdempotencyKey,
            PreviousHandle = previousHandle,
            LogPath = attempt.Log!,
            Run = context,
            Env = _o.Env,
            Time = Time,
            Resolve = name => Resolve(name, item, attempt.Number),
            RecordHandleAsync = async (handle, ct) =>
            {
                attempt.Handle = handle;
                await SaveItemAsync(t.Name, item);
            },
            RunChildPipelineAsync = RunChildAsync,
            WarnAsync = async (message, ct) =>
            {
                Emit(t.Name, item.Dataset, RunStatus.Running, attempt.Number, "warning: " + message);
                if (_o.Alerts is not null) await _o.Alerts.TaskWarningAsync(_pipeline, _run, t.Name, message, ct);
            },
        };
    }

    private string? Resolve(string name, ItemRecord item, int attempt)
    {
        switch (name)
        {
            case "dataset" or "item": return item.Dataset;
            case "export_date": return _run.ExportDate ?? "";
            case "start_date": return _run.StartDate ?? _run.ExportDate ?? "";
            case "run.correlation_id": return _run.CorrelationId;
            case "run.id": return _run.RunId;
            case "run.pipeline": return _run.Pipeline;
            case "run.counter": return _run.RunCounter.ToString(CultureInfo.InvariantCulture);
            case "attempt": return attempt.ToString(CultureInfo.InvariantCulture);
        }
        var parts = name.Split('.', 3);
        if (parts[0] == "params" && parts.Length == 2) return _pipeline.Params.GetValueOrDefault(parts[1]);
        if (parts[0] == "outputs" && parts.Length == 3)
        {
            lock (_outputsGate)
            {
                if (!_outputs.TryGetValue(parts[1], out var o)) return null;
                return o.GetValueOrDefault(parts[2])
                    ?? throw new DativoException($"task '{parts[1]}' has no output '{parts[2]}'; it has: {string.Join(", ", o.Keys)}");
            }
        }
        return null;
    }

    private async Task<TaskOutcome> RunChildAsync(string file, IReadOnlyDictionary<string, string> parameters, IReadOnlySet<string> dataParams, string correlation, CancellationToken ct)
    {
        var child = PipelineLoader.Load(file, _o.Registry, _o.Env, parameters, dataParams);
        var result = await _engine.RunAsync(child, new RunRequest(correlation, _run.ExportDate, _run.StartDate, _run.RunId), ct);
        ct.ThrowIfCancellationRequested();
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal) { ["run_id"] = result.RunId, ["status"] = result.Status };
        return result.Status == RunStatus.Succeeded ? TaskOutcome.Ok(outputs) : TaskOutcome.Failed($"child run {result.RunId} {result.Status.ToLowerInvariant()}: {result.Error}", outputs);
    }

    private static string Safe(string s) => string.Concat(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
