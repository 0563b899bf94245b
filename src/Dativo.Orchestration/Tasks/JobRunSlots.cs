using System.Collections.Concurrent;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// At most N job runs at once per EMR Serverless application (endpoint + application id) in this process, whatever
/// the tasks, items or pipelines that submit them. A slot is held from before StartJobRun until the run is finished
/// (or its cancellation confirmed), so the service never sees more than N active runs from us. Waiters are served in order.
/// </summary>
internal static class JobRunSlots
{
    private static readonly ConcurrentDictionary<string, Gate> Gates = new(StringComparer.Ordinal);

    /// <summary>The gate of an application; when tasks name different limits for it, the smallest holds.</summary>
    public static Gate For(string endpoint, string applicationId, int limit)
    {
        var gate = Gates.GetOrAdd($"{endpoint}|{applicationId}", _ => new Gate(limit));
        gate.Lower(limit);
        return gate;
    }

    internal sealed class Gate(int limit)
    {
        private readonly Lock _lock = new();
        private readonly LinkedList<TaskCompletionSource> _waiters = new();
        private int _limit = limit;
        private int _inUse;

        public void Lower(int limit)
        {
            lock (_lock) _limit = Math.Min(_limit, limit);
        }

        public async Task<IDisposable> AcquireAsync(CancellationToken ct)
        {
            TaskCompletionSource waiter;
            LinkedListNode<TaskCompletionSource> node;
            lock (_lock)
            {
                if (_inUse < _limit)
                {
                    _inUse++;
                    return new Slot(this);
                }
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                node = _waiters.AddLast(waiter);
            }
            using (ct.Register(() =>
            {
                lock (_lock)
                {
                    if (node.List is null) return; // already granted
                    _waiters.Remove(node);
                }
                waiter.TrySetCanceled(ct);
            }))
            {
                await waiter.Task.ConfigureAwait(false);
            }
            return new Slot(this);
        }

        private void Release()
        {
            TaskCompletionSource? next = null;
            lock (_lock)
            {
                if (_inUse <= _limit && _waiters.First is { } first)
                {
                    _waiters.RemoveFirst();
                    next = first.Value; // the slot passes to the next waiter
                }
                else
                {
                    _inUse--;
                }
            }
            next?.TrySetResult();
        }

        private sealed class Slot(Gate gate) : IDisposable
        {
            private int _released;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
            }
        }
    }
}
