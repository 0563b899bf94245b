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

    public static Option<DirectoryInfo?> JobDir() => new("--job-dir")
    {
        Description = "every job (*.yaml/*.yml) under this folder; contracts, recipes and pipelines beside them are skipped",
    };

    public static Option<bool> Strict() => new("--strict")
    {
        Description = "warnings are errors (exit 2): e.g. a file glob that matches nothing, an undeclared Terraform variable",
    };

    public static Option<bool> Json() => new("--json") { Description = "machine-readable JSON output" };

    public static Option<string> Mode() => new Option<string>("--mode")
    {
        Description = "self_hosted (default) or cloud (refuses database sources)",
        DefaultValueFactory = _ => "self_hosted",
    }.AcceptOnlyFromAmong("self_hosted", "cloud");

    public static Option<DirectoryInfo?> SecretsDir() => new("--secrets-dir")
    {
        Description = "folder of per-tenant secret files (<dir>/<tenant>/<name>[.txt|.env|.json]); default $DATIVO_SECRETS_DIR, else ./secrets",
    };

    /// <summary>--secrets-dir, else DATIVO_SECRETS_DIR, else ./secrets under the working directory.</summary>
    public static string ResolveSecretsDir(DirectoryInfo? option, CliContext ctx) =>
        option?.FullName ?? ctx.Env("DATIVO_SECRETS_DIR") ?? Path.Combine(Environment.CurrentDirectory, "secrets");

    public static RunMode ParseMode(string? mode) => mode == "cloud" ? RunMode.Cloud : RunMode.SelfHosted;
}
