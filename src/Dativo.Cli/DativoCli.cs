using System.CommandLine;
using Dativo.Cli.Commands;
using Dativo.Core.Errors;

namespace Dativo.Cli;

internal static class DativoCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var root = new RootCommand("Dativo: declarative ingestion, Iceberg lake and orchestration");
        root.Subcommands.Add(GenerateCommands.Create());
        root.Subcommands.Add(ShipmentsCommands.Create());
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(config, ct).ConfigureAwait(false);
        }
        catch (DativoException ex)
        {
            // User errors: the message says what to fix; never a stack trace.
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return ex.ExitCode;
        }
    }
}
