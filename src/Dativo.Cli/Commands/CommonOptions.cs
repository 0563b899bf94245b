using System.CommandLine;
using Dativo.Core.Config.Jobs;

namespace Dativo.Cli.Commands;

internal static class CommonOptions
{
    public static Option<FileInfo> Config(bool required = true) => new("--config", "-c")
    {
        Description = "job file (YAML)",
        Required = required,
    };

    public static Option<bool> Json() => new("--json") { Description = "machine-readable JSON output" };

    public static Option<string> Mode() => new Option<string>("--mode")
    {
        Description = "self_hosted (default) or cloud (refuses database sources)",
        DefaultValueFactory = _ => "self_hosted",
    }.AcceptOnlyFromAmong("self_hosted", "cloud");

    public static RunMode ParseMode(string? mode) => mode == "cloud" ? RunMode.Cloud : RunMode.SelfHosted;
}
