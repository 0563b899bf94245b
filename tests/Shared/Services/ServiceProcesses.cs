using System.Diagnostics;

namespace Dativo.Testing.Services;

/// <summary>
/// Folders and processes of throwaway test servers. Each server lives in
/// <c>/tmp/dativo-services/&lt;kind&gt;-&lt;id&gt;</c> with an <c>owner.pid</c> naming the test process;
/// folders whose owner is gone (a crashed test host) are cleaned up by the next start.
/// </summary>
internal static class ServiceProcesses
{
    public static string BaseDir { get; } = Path.Combine(Path.GetTempPath(), "dativo-services");

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Creates a world-writable folder for one server, after removing stale ones of the same kind.</summary>
    public static string NewServiceDir(string kind, Action<string>? stopStale = null)
    {
        Directory.CreateDirectory(BaseDir);
        TryChmod(BaseDir, (UnixFileMode)0x3FF | UnixFileMode.StickyBit);
        foreach (var dir in Directory.GetDirectories(BaseDir, kind + "-*"))
        {
            if (OwnerAlive(dir)) continue;
            try { stopStale?.Invoke(dir); } catch (Exception) { /* best effort */ }
            TryDeleteDir(dir);
        }
        var path = Path.Combine(BaseDir, $"{kind}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(path);
        TryChmod(path, (UnixFileMode)0x1FF); // 0777: the unprivileged server user writes here
        File.WriteAllText(Path.Combine(path, "owner.pid"), Environment.ProcessId.ToString());
        return path;
    }

    private static bool OwnerAlive(string dir)
    {
        try
        {
            var pid = int.Parse(File.ReadAllText(Path.Combine(dir, "owner.pid")).Trim());
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception)
        {
            return false;
        }
    }

    public static void TryDeleteDir(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void TryChmod(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return;
        try { File.SetUnixFileMode(path, mode); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Finds an executable on PATH.</summary>
    public static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public sealed record Result(int ExitCode, string Output);

    /// <summary>Runs a command to completion (as <paramref name="user"/> via runuser when running as root).</summary>
    public static Result Run(string file, IEnumerable<string> args, string? user = null, string? workingDir = null, int timeoutSeconds = 120)
    {
        var psi = user is not null && IsRoot ? new ProcessStartInfo("runuser") : new ProcessStartInfo(file);
        if (user is not null && IsRoot)
        {
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add(user);
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(file);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.WorkingDirectory = workingDir ?? Path.GetTempPath();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            return new Result(-1, $"{file} timed out after {timeoutSeconds}s");
        }
        return new Result(p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>A TCP port free right now on 127.0.0.1.</summary>
    public static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>
    /// Starts a detached shell that runs <paramref name="cleanup"/> once this test process is gone,
    /// so servers that outlive a crashed test host are stopped.
    /// </summary>
    public static void StartWatchdog(string cleanup)
    {
        var setsid = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : null;
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {cleanup}";
        var psi = new ProcessStartInfo(setsid ?? "/bin/sh") { UseShellExecute = false, RedirectStandardInput = false };
        if (setsid is not null) psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.RedirectStandardOutput = true; // not inherited: the test host's output pipes must not stay open
        psi.RedirectStandardError = true;
        using var p = Process.Start(psi);
    }

    public static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
