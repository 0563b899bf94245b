using System.CommandLine;

namespace Dativo.Cli;

internal static class DativoCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var root = new RootCommand("Dativo: declarative ingestion, Iceberg lake and orchestration");
        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return await root.Parse(args).InvokeAsync(config, ct).ConfigureAwait(false);
    }
}
