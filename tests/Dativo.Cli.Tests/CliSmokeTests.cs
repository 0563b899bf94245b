using Dativo.Testing;

namespace Dativo.Cli.Tests;

public class CliSmokeTests
{
    [Fact]
    public async Task Help_lists_the_program()
    {
        var r = await CliRunner.RunAsync(Repo.Root, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Dativo", r.Stdout);
    }
}
