using System.Diagnostics;
using System.Globalization;

namespace Dativo.Orchestration.Tasks;

/// <summary>Kills process trees, including ones left behind by an orchestrator that was killed.</summary>
internal static class ProcessKiller
{
    /// <summary>"pid:&lt;pid&gt;:&lt;start ticks&gt;" so a recycled pid is never killed by mistake.</summary>
    public static string Handle(Process p)
    {
        long start = 0;
        try { start = p.StartTime.ToUniversalTime().Ticks; } catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { } // already exited
        return FormattableString.Invariant($"pid:{p.Id}:{start}");
    }

    public static void KillTree(Process p)
    {
        try { p.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    /// <summary>Kills the process a previous attempt recorded, if it still runs (same pid and start time).</summary>
    public static void KillLeftover(string? handle)
    {
        if (handle is null || !handle.StartsWith("pid:", StringComparison.Ordinal)) return;
        var parts = handle.Split(':');
        if (parts.Length != 3 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid)) return;
        try
        {
            using var p = Process.GetProcessById(pid);
            var start = p.StartTime.ToUniversalTime().Ticks;
            if (start.ToString(CultureInfo.InvariantCulture) == parts[2] && !p.HasExited) KillTree(p);
        }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { } // exited between the lookup and reading its start time
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
