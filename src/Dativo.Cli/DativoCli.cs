using System.CommandLine;
using Dativo.Cli.Commands;
using Dativo.Core.Errors;

namespace Dativo.Cli;

internal static class DativoCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var ctx = new CliContext(stdout, stderr, Environment.GetEnvironmentVariable, TimeProvider.System);
        var root = new RootCommand("Dativo: declarative ingestion with data contracts, an Iceberg lake and an orchestrator")
        {
            DemoCommand.Create(ctx),
            CheckCommand.Create(ctx),
            TagsCommand.Create(ctx),
            InfraCommands.Create(ctx),
            RunCommand.Create(ctx),
            DiscoverCommand.Create(ctx),
            SchemaCommand.Create(ctx),
            GenerateCommands.Create(),
            ShipmentsCommands.Create(),
            PipelineCommands.Create(ctx),
            RunsCommands.Create(ctx),
            DatasetsCommands.Create(ctx),
            TableCommands.Create(ctx),
        };
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }; // signals: Program.cs
        try
        {
            return await root.Parse(args).InvokeAsync(config, ct).ConfigureAwait(false);
        }
        catch (DativoException e)
        {
            await stderr.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("cancelled").ConfigureAwait(false);
            return 130;
        }
    }
}

/// <summary>What every command needs from its surroundings; tests give their own.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Err, Func<string, string?> Env, TimeProvider Time);
