namespace Dativo.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args) => await DativoCli.RunAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
}
