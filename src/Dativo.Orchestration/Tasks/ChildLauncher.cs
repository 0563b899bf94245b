using System.Diagnostics;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// Starts a command so that it dies with the orchestrator. .NET cannot run code between fork and exec (no setsid, no
/// PR_SET_PDEATHSIG), so the child goes through <c>setsid</c> and a few lines of <c>/bin/sh</c>:
/// <list type="bullet">
/// <item>setsid: the child leads a new session and process group, so its whole tree can be found and killed by id
/// (<see cref="ProcessKiller"/>), and a Ctrl-C on the terminal reaches only the orchestrator, which then stops it;</item>
/// <item>a lifeline: the child's stdin is a pipe whose only writer is the orchestrator. A watcher in the child's group reads
/// it; when the orchestrator exits in any way — SIGKILL included — the pipe closes and the watcher kills the group;</item>
/// <item>then the shell replaces itself with the program (same pid), which gets /dev/null as stdin as before.</item>
/// </list>
/// Without setsid or /bin/sh the child starts directly (no lifeline; cancel still kills its tree).
/// </summary>
internal static class ChildLauncher
{
    // The watcher ignores the polite signals so a script's "kill 0" (a common EXIT trap) does not take the lifeline with it;
    // only SIGKILL ends it, and it sends SIGKILL to its group when the orchestrator's end of the pipe closes.
    private const string Guard =
        "exec 3<&0\n" +
        "{ trap '' HUP INT QUIT TERM; while read -r _; do :; done; kill -9 0; } <&3 >/dev/null 2>&1 &\n" +
        "exec \"$@\" </dev/null 3<&-\n";

    private static readonly Lazy<string?> Setsid = new(() =>
        File.Exists("/bin/sh") ? ProgramPath.FindOnPath("setsid") : null);

    /// <summary>Whether children get their own session and a lifeline.</summary>
    public static bool Guarded => Setsid.Value is not null;

    /// <summary>The start info for <paramref name="program"/> (a resolved path) with <paramref name="args"/>; stdin is redirected either way.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> args)
    {
        ProcessStartInfo psi;
        if (Setsid.Value is { } setsid)
        {
            psi = new ProcessStartInfo(setsid);
            foreach (var a in (string[])["-w", "/bin/sh", "-c", Guard, "dativo-task", program]) psi.ArgumentList.Add(a);
        }
        else psi = new ProcessStartInfo(program);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        return psi;
    }
}

/// <summary>Finds the program of a command the way .NET's Process does, so a missing one is reported before anything starts.</summary>
internal static class ProgramPath
{
    /// <summary>The executable for <paramref name="name"/>, or an error: rooted as is; else next to this executable, in the current folder, on PATH.</summary>
    public static (string? Path, string? Error) Resolve(string name)
    {
        if (name.Length == 0) return (null, "the program name is empty");
        string? found;
        if (Path.IsPathRooted(name)) found = File.Exists(name) ? name : null;
        else
        {
            found = new[] { Environment.ProcessPath is { } exe ? Path.Combine(Path.GetDirectoryName(exe)!, name) : null, Path.Combine(Directory.GetCurrentDirectory(), name) }
                .FirstOrDefault(File.Exists);
            if (found is null && !name.Contains('/', StringComparison.Ordinal)) found = FindOnPath(name);
        }
        if (found is null) return (null, "no such file (nor on PATH)");
        found = Path.GetFullPath(found);
        return IsExecutable(found) ? (found, null) : (null, $"{found} is not executable");
    }

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(p => File.Exists(p) && IsExecutable(p));

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
