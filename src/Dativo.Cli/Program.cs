using System.Runtime.InteropServices;

namespace Dativo.Cli;

internal static class Program
{
    /// <summary>
    /// Ctrl-C / SIGINT / SIGTERM cancel the token every command runs with: a job stops before its commit (nothing
    /// partial becomes visible) and exits 130, but a commit already under way completes and is reported as such — the
    /// exit code is the command's own, which tells what was committed. A second signal ends the process at once.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        void OnSignal(PosixSignalContext c)
        {
            if (cts.IsCancellationRequested) return; // second signal: default handling terminates the process
            c.Cancel = true;
            Console.Error.WriteLine("cancelling (press Ctrl-C again to stop at once)…");
            cts.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var code = await DativoCli.RunAsync(args, Console.Out, Console.Error, cts.Token).ConfigureAwait(false);
        return code;
    }
}
