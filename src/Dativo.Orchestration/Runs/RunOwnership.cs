namespace Dativo.Orchestration.Runs;

/// <summary>Whether the process that owns a run is still alive (same host: by pid and start time; other host: by heartbeat age).</summary>
internal static class RunOwnership
{
    public static RunOwner Me(TimeProvider time)
    {
        var me = Tasks.ProcessKiller.IdentityOf(Environment.ProcessId);
        return new(Environment.MachineName, Environment.ProcessId, time.GetUtcNow(), me?.StartTicks, me?.Boot);
    }

    public static bool IsLive(RunRecord run, TimeProvider time, TimeSpan heartbeat)
    {
        if (run.Owner is not { } o || RunStatus.IsTerminal(run.Status)) return false;
        if (o.Host == Environment.MachineName)
            return Tasks.ProcessKiller.IsAlive(o.Pid, o.StartTicks, o.Boot);
        return time.GetUtcNow() - o.HeartbeatAt < heartbeat * 10 + TimeSpan.FromSeconds(30);
    }
}
