using System.CommandLine;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Application.Infrastructure;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo infra tfvars</c>: Terraform variables for the job's infrastructure module.</summary>
internal static class InfraCommands
{
    public static Command Create(CliContext ctx)
    {
        var config = CommonOptions.Config();
        var output = new Option<FileInfo?>("--out", "-o") { Description = "output file: HCL, or JSON when it ends in .json (default: <module_source>/dativo.auto.tfvars)" };
        var tfvars = new Command("tfvars", "Write Terraform variables (tags, compute, network) for the job's infrastructure") { config, output };
        tfvars.SetAction(async (pr, ct) =>
        {
            // variables come from the contract, governance and infrastructure: connectors need not be runnable here
            var job = JobLoader.Load(pr.GetValue(config)!.FullName, ctx.Env, use: JobUse.Tags);
            foreach (var w in job.Warnings) await ctx.Err.WriteLineAsync(w.ToString()).ConfigureAwait(false);
            var path = await WriteTfvarsAsync(job, pr.GetValue(output)?.FullName, ctx, ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync($"wrote {path}").ConfigureAwait(false);
            return 0;
        });
        return new Command("infra", "Infrastructure: Terraform variables for the EMR module") { tfvars };
    }

    /// <summary>Writes the tfvars file atomically; returns its path.</summary>
    public static async Task<string> WriteTfvarsAsync(LoadedJob job, string? outPath, CliContext ctx, CancellationToken ct)
    {
        if (outPath is null)
        {
            var module = job.Config.Infrastructure?.Terraform?.ModuleSource
                ?? throw new DativoException($"{job.File}: the job has no infrastructure.terraform.module_source; pass --out PATH");
            outPath = Path.Combine(job.Resolve(module), "dativo.auto.tfvars");
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(outPath))!;
        if (!Directory.Exists(dir))
            throw new DativoException($"cannot write {outPath}: folder {dir} does not exist (is module_source right?)");
        var text = JobInfrastructure.Tfvars(job, ctx.Env, outPath);
        var tmp = outPath + ".tmp";
        await File.WriteAllTextAsync(tmp, text, ct).ConfigureAwait(false);
        File.Move(tmp, outPath, overwrite: true);
        return outPath;
    }
}
