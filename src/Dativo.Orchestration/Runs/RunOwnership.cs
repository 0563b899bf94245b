namespace Dativo.Orchestration.Runs;

/// <summary>Whether the process that owns a run is still alive (same host: by pid; other host: by heartbeat age).</summary>
internal static class RunOwnership
{
    public static RunOwner Me(TimeProvider time) => new(Environment.MachineName, Environment.ProcessId, time.GetUtcNow());

    public static bool IsLive(RunRecord run, TimeProvider time, TimeSpan heartbeat)
    {
        if (run.Owner is not { } o || RunStatus.IsTerminal(run.Status)) return false;
        if (o.Host == Environment.MachineName)
            return o.Pid == Environment.ProcessId || Tasks.ProcessKiller.IsAlive(o.Pid);
        return time.GetUtcNow() - o.HeartbeatAt < heartbeat * 10 + TimeSpan.FromSeconds(30);
    }
}
