using System.Diagnostics;

namespace Dativo.Testing.Services;

/// <summary>
/// Starts a host script of tests/services (<c>node X-host.js &lt;our pid&gt;</c>) that prints <c>LISTENING &lt;port&gt;</c>;
/// the node process exits with this test process (stdin closes, and it polls our pid).
/// </summary>
internal static class NodeHosts
{
    /// <summary>The port, or a reason to skip (node missing, package not installed, start failed).</summary>
    public static (int Port, string? SkipReason) Start(string script, string package, string what)
    {
        var node = ServiceProcesses.OnPath("node");
        if (node is null) return (0, $"node is not on PATH (needed for the {package} {what} test server)");
        var services = Repo.Path_("tests", "services");
        if (!File.Exists(Path.Combine(services, "node_modules", package, "package.json")))
            return (0, $"tests/services/node_modules/{package} is missing: run `npm install` in tests/services (test.sh does)");
        var psi = new ProcessStartInfo(node)
        {
            WorkingDirectory = services,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Path.Combine(services, script));
        psi.ArgumentList.Add(Environment.ProcessId.ToString());
        var process = Process.Start(psi)!;
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is not { } text || !text.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            lock (stderr) return (0, $"{package} did not start: {stderr}");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(3000)) process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        };
        return (int.Parse(text["LISTENING ".Length..]), null);
    }
}
