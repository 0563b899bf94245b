namespace Dativo.Orchestration.Runs;

/// <summary>Statuses of runs, tasks, items and attempts (the same vocabulary everywhere).</summary>
public static class RunStatus
{
    public const string Queued = "QUEUED";
    public const string Running = "RUNNING";
    public const string Succeeded = "SUCCEEDED";
    public const string Failed = "FAILED";
    public const string Cancelled = "CANCELLED";
    public const string TimedOut = "TIMED_OUT";
    public const string Skipped = "SKIPPED";
    public const string Pending = "PENDING";

    /// <summary>An attempt whose orchestrator died before it finished.</summary>
    public const string Interrupted = "INTERRUPTED";

    public static bool IsTerminal(string s) => s is Succeeded or Failed or Cancelled or TimedOut or Skipped;

    /// <summary>The CYI-style gauge value: 0 queued, 1 running, 2 succeeded, 3 failed, 4 cancelled, 5 timed out, 6 skipped.</summary>
    public static int Gauge(string s) => s switch
    {
        Queued => 0,
        Running => 1,
        Succeeded => 2,
        Failed => 3,
        Cancelled => 4,
        TimedOut => 5,
        _ => 6,
    };
}
