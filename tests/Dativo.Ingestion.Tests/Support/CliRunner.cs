using System.Diagnostics;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.Support;

/// <summary>Runs <c>./dativo</c> as a real process in a working folder.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public string All => Out + Err;
    }

    public static Process Start(string workDir, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(Path.Combine(Repo.Root, "dativo"))
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DATIVO_NO_PROGRESS"] = "1";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    public static async Task<Result> RunAsync(string workDir, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        using var p = Start(workDir, args, env);
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return new Result(p.ExitCode, await o, await e);
    }
}
