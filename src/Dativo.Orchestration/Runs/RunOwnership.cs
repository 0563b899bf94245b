namespace Dativo.Orchestration.Runs;

/// <summary>
/// Whether the process that owns a run is still alive: same host, by pid and start time (a SIGKILLed owner is dead at
/// once); another host, by its lease (renewed by every heartbeat; older records without one: by heartbeat age).
/// </summary>
internal static class RunOwnership
{
    /// <summary>This process as the next owner of <paramref name="previous"/>'s run: the fence one above the last owner's.</summary>
    public static RunOwner Me(TimeProvider time, RunOwner? previous = null, TimeSpan? lease = null)
    {
        var me = Tasks.ProcessKiller.IdentityOf(Environment.ProcessId);
        var now = time.GetUtcNow();
        return new(Environment.MachineName, Environment.ProcessId, now, me?.StartTicks, me?.Boot, (previous?.Fence ?? 0) + 1, lease is { } l ? now + l : null);
    }

    public static bool IsLive(RunRecord run, TimeProvider time, TimeSpan heartbeat)
    {
        if (run.Owner is not { } o || RunStatus.IsTerminal(run.Status)) return false;
        if (o.Host == Environment.MachineName)
            return Tasks.ProcessKiller.IsAlive(o.Pid, o.StartTicks, o.Boot);
        if (o.LeaseUntil is { } until) return time.GetUtcNow() < until;
        return time.GetUtcNow() - o.HeartbeatAt < heartbeat * 10 + TimeSpan.FromSeconds(30);
    }
}

/// <summary>A write by an owner whose run was taken over since (a higher fence holds it); the stale owner stops.</summary>
public sealed class RunFencedException(string runId, long mine, long current)
    : Core.Errors.DativoException($"run {runId} was taken over by another worker (fence {current}, this worker held {mine}); this worker stopped writing to it")
{
    public long Current => current;
}
