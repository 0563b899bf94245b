using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Dativo.Core.Processes;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// Stops the processes of a command attempt: the child leads its own session (see <see cref="ChildLauncher"/>), so the
/// attempt is "every process whose session or process group is the child's pid". A recorded handle names the child by pid,
/// start time and boot, so a resumed run stops exactly what an orchestrator that died left behind — never a recycled pid.
/// </summary>
internal static class ProcessKiller
{
    private const int SigKill = 9;

    /// <summary>A child as recorded in the run store.</summary>
    public readonly record struct Identity(int Pid, ulong StartTicks, string Boot);

    /// <summary>"proc:PID:START_TICKS:BOOT_ID" (Linux), or "pid:PID" where /proc cannot tell more (never used to kill).</summary>
    public static string Handle(Process p)
    {
        var pid = p.Id;
        return ProcessTable.Read(pid) is { } s && ProcessTable.BootId is { } boot
            ? FormattableString.Invariant($"proc:{pid}:{s.StartTicks}:{boot}")
            : FormattableString.Invariant($"pid:{pid}");
    }

    public static Identity? Parse(string? handle)
    {
        if (handle is null || !handle.StartsWith("proc:", StringComparison.Ordinal)) return null;
        var parts = handle.Split(':', 4);
        return parts.Length == 4
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1
            && ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new Identity(pid, start, parts[3])
            : null;
    }

    /// <summary>
    /// Kills the child and every process left in its session or process group, and waits until none of them runs.
    /// False when some still run after <paramref name="patience"/> (e.g. stuck in uninterruptible I/O).
    /// </summary>
    public static async Task<bool> StopAsync(Identity id, TimeSpan patience, CancellationToken ct = default)
    {
        if (id.Boot != ProcessTable.BootId) return true; // recorded on another machine or before a reboot: nothing of it runs here
        // Real time on purpose: this waits for the kernel to deliver SIGKILL, not for anything a test clock models.
        var clock = TimeProvider.System;
        var started = clock.GetTimestamp();
        while (true)
        {
            var members = Members(id);
            if (members.Count == 0) return true;
            Kill(id, members);
            if (clock.GetElapsedTime(started) > patience) return Members(id).Count == 0;
            await Task.Delay(TimeSpan.FromMilliseconds(20), clock, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The live processes of the attempt <paramref name="id"/> names; none if its pid now belongs to another process.</summary>
    private static List<ProcessTable.Stat> Members(Identity id)
    {
        // A pid stays allocated while a session or group uses it as id, so if the leader is gone but members remain, they are ours.
        if (ProcessTable.Read(id.Pid) is { } leader && leader.StartTicks != id.StartTicks) return [];
        return [.. ProcessTable.All().Where(s => !s.IsDead && (s.Pid == id.Pid || s.Session == id.Pid || s.Group == id.Pid))];
    }

    private static void Kill(Identity id, List<ProcessTable.Stat> members)
    {
        var self = Environment.ProcessId;
        var ownGroup = ProcessTable.Read(self)?.Group;
        // whole groups inside the child's session first (atomic, catches what forks meanwhile), then single stragglers,
        // e.g. the child itself before its setsid() ran, when it is still in our group
        foreach (var group in members.Where(m => m.Session == id.Pid).Select(m => m.Group).Distinct())
            if (group > 1 && group != ownGroup) _ = SysKill(-group, SigKill);
        foreach (var m in members)
            if (m.Pid != self && m.Pid > 1) _ = SysKill(m.Pid, SigKill);
    }

    /// <summary>Kills a process tree by .NET's own walk (used when the child could not be given its own session).</summary>
    public static void KillTree(Process p)
    {
        try { p.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    /// <summary>The identity of a live process, or null where /proc cannot tell.</summary>
    public static Identity? IdentityOf(int pid) =>
        ProcessTable.Read(pid) is { IsDead: false } s && ProcessTable.BootId is { } boot ? new Identity(pid, s.StartTicks, boot) : null;

    /// <summary>Whether <paramref name="pid"/> runs and, when its start is known, is still the process that had that start (compared as numbers).</summary>
    public static bool IsAlive(int pid, ulong? startTicks = null, string? boot = null)
    {
        if (ProcessTable.BootId is { } currentBoot)
        {
            if (boot is not null && boot != currentBoot) return false;
            return ProcessTable.Read(pid) is { IsDead: false } s && (startTicks is null || s.StartTicks == startTicks);
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SysKill(int pid, int signal);
}
