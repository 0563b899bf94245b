using System.Text.Json;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// Group commit of item records: <see cref="SaveAsync"/> snapshots the item and completes once a flush has
/// made it durable. One writer loop flushes every dirty chunk, so many items share each write.
/// </summary>
internal sealed class ItemJournal : IAsyncDisposable
{
    private readonly IRunStore _store;
    private readonly string _runId;
    private readonly TimeSpan _ttl;
    private readonly long _fence;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Task, int Chunk), SortedDictionary<int, string>> _chunks = [];
    private readonly HashSet<(string Task, int Chunk)> _dirty = [];
    private TaskCompletionSource _nextFlush = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private Exception? _failure;

    /// <param name="fence">The run owner's fence: every write is refused once another owner took the run.</param>
    public ItemJournal(IRunStore store, string runId, TimeSpan ttl, long fence)
    {
        _store = store;
        _runId = runId;
        _ttl = ttl;
        _fence = fence;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Seeds the journal with items already stored (a resumed run) without writing them.</summary>
    public void Load(string task, IEnumerable<ItemRecord> items)
    {
        lock (_gate)
            foreach (var i in items) Chunk(task, i.Index)[i.Index] = JsonSerializer.Serialize(i, StateStoreRunStore.Json);
    }

    public Task SaveAsync(string task, ItemRecord item)
    {
        var json = JsonSerializer.Serialize(item, StateStoreRunStore.Json);
        Task wait;
        lock (_gate)
        {
            if (_failure is not null) throw new InvalidOperationException("the run store failed: " + _failure.Message, _failure);
            Chunk(task, item.Index)[item.Index] = json;
            _dirty.Add((task, item.Index / IRunStore.ChunkSize));
            wait = _nextFlush.Task;
        }
        _signal.Release();
        return wait;
    }

    private SortedDictionary<int, string> Chunk(string task, int index)
    {
        var key = (task, index / IRunStore.ChunkSize);
        if (!_chunks.TryGetValue(key, out var c)) _chunks[key] = c = [];
        return c;
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                await FlushAsync();
                return;
            }
            await FlushAsync();
        }
    }

    private async Task FlushAsync()
    {
        List<(string Task, int Chunk, string[] Items)> batch;
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_dirty.Count == 0) return;
            batch = [.. _dirty.Select(k => (k.Task, k.Chunk, _chunks[k].Values.ToArray()))];
            _dirty.Clear();
            done = _nextFlush;
            _nextFlush = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        try
        {
            foreach (var (task, chunk, items) in batch)
                await _store.PutItemChunkAsync(_runId, task, chunk, items, _ttl, _fence, CancellationToken.None);
            done.SetResult();
        }
        catch (Exception e)
        {
            lock (_gate) _failure = e;
            done.SetException(e);
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _signal.Dispose();
    }
}
