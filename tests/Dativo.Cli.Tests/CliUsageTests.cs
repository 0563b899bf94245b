using Dativo.Testing;

namespace Dativo.Cli.Tests;

/// <summary>A command line that does not parse is bad input: a clear error, where to read more, exit code 2.</summary>
public sealed class CliUsageTests
{
    [Theory]
    [InlineData("bogus", "Unrecognized command or argument 'bogus'", "usage: dativo --help")]
    [InlineData("table show", "Required argument missing", "usage: dativo table show --help")]
    [InlineData("run --config job.yaml --mode weird", "Argument 'weird' not recognized", "usage: dativo run --help")]
    public async Task Parse_errors_say_what_and_where_and_exit_2(string args, string what, string usage)
    {
        using var dir = new TempDir();
        var r = await CliRunner.RunAsync(dir.Path, args.Split(' '));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: " + what, r.Stderr, StringComparison.Ordinal);
        Assert.Contains(usage, r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "Dativo: declarative ingestion")]
    [InlineData("table", "Inspect and maintain Iceberg tables")]
    public async Task A_command_group_alone_prints_its_help_and_exits_2(string args, string help)
    {
        using var dir = new TempDir();
        var r = await CliRunner.RunAsync(dir.Path, args.Length == 0 ? [] : args.Split(' '));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(help, r.Stdout, StringComparison.Ordinal);
    }
}
