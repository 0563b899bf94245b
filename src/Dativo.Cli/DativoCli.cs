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
            InitCommand.Create(ctx),
            CheckCommand.Create(ctx),
            TagsCommand.Create(ctx),
            InfraCommands.Create(ctx),
            RunCommand.Create(ctx),
            DiscoverCommand.Create(ctx),
            SchemaCommand.Create(ctx),
            GenerateCommands.Create(),
            ShipmentsCommands.Create(),
            PipelineCommands.Create(ctx),
            WorkerCommands.Worker(ctx),
            RunsCommands.Create(ctx),
            DatasetsCommands.Create(ctx),
            TableCommands.Create(ctx),
            StreamConfigCommands.Create(ctx, StreamServeCommand.Create(ctx)),
            ServeCommand.Create(ctx),
            KeysCommand.Create(ctx),
        };
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }; // signals: Program.cs
        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                // "dativo" or "dativo table" alone: the help of that command (still exit code 2: nothing was done)
                if (parsed.UnmatchedTokens.Count == 0 && parsed.CommandResult.Command.Subcommands.Count > 0 && parsed.CommandResult.Command.Action is null)
                {
                    await root.Parse([.. CommandPath(parsed), "--help"]).InvokeAsync(config, ct).ConfigureAwait(false);
                    return 2;
                }
                return await UsageErrorAsync(parsed, stderr).ConfigureAwait(false);
            }
            return await parsed.InvokeAsync(config, ct).ConfigureAwait(false);
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the storage failing under a command (a full disk, a removed folder): what and where, not a stack trace
            await stderr.WriteLineAsync($"error: {e.Message}; check free space and permissions there, then re-run").ConfigureAwait(false);
            return ExitCodes.UserError;
        }
    }

    /// <summary>A command line that does not parse is bad input like any other: what is wrong, where to look, exit code 2.</summary>
    private static async Task<int> UsageErrorAsync(ParseResult parsed, TextWriter stderr)
    {
        foreach (var e in parsed.Errors) await stderr.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
        await stderr.WriteLineAsync($"usage: dativo {string.Join(' ', CommandPath(parsed).Append("--help"))}").ConfigureAwait(false);
        return 2;
    }

    /// <summary>The subcommand names of the parsed command line, without the root (e.g. ["table", "show"]).</summary>
    private static List<string> CommandPath(ParseResult parsed)
    {
        var path = new List<string>();
        for (var r = parsed.CommandResult; r.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent) path.Insert(0, r.Command.Name);
        return path;
    }
}

/// <summary>What every command needs from its surroundings; tests give their own.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Err, Func<string, string?> Env, TimeProvider Time)
{
    /// <summary>The application layer's view of this invocation: the current directory, warnings on stderr.</summary>
    public Application.AppContext App => new(Env, Time, Environment.CurrentDirectory, msg => Err.WriteLine("warning: " + msg));
}
