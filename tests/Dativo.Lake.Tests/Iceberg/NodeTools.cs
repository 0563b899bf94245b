using System.Diagnostics;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>
/// tests/tools: independent JavaScript readers (avsc, icebird), installed with npm on first use. Tests that need
/// them skip with a reason when node/npm or the package is unavailable.
/// </summary>
internal static class NodeTools
{
    private static readonly string Dir = Repo.Path_("tests", "tools");

    // One `npm install` per test run, and only when a package the tests ask for is missing.
    private static readonly Lazy<bool> Install = new(() =>
    {
        try
        {
            return Run("npm", Dir, "install", "--no-audit", "--no-fund", "--loglevel=error").Code == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    /// <summary>The tools folder when <paramref name="package"/> is installed there (installing it if needed), else null.</summary>
    public static string? With(string package)
    {
        bool Present() => Directory.Exists(Path.Combine(Dir, "node_modules", package));
        return Present() || (Install.Value && Present()) ? Dir : null;
    }

    public static (int Code, string Out, string Err) Run(string exe, string dir, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(true); return (-1, "", "timeout"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
