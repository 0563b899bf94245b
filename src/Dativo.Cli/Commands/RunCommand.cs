using System.CommandLine;
using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo run</c>: validates every job up front (a directory run refuses to start while any job
/// is invalid), writes Terraform variables for jobs with an infrastructure block, then runs them.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliContext ctx)
    {
        var config = CommonOptions.Config(required: false);
        var jobDir = new Option<DirectoryInfo?>("--job-dir") { Description = "run every *.yaml/*.yml job under this folder" };
        var mode = CommonOptions.Mode();
        var secretsDir = CommonOptions.SecretsDir();
        var cmd = new Command("run", "Run a job (--config) or every job in a folder (--job-dir)") { config, jobDir, mode, secretsDir };
        cmd.SetAction(async (pr, ct) =>
        {
            var file = pr.GetValue(config);
            var dir = pr.GetValue(jobDir);
            if ((file is null) == (dir is null))
                throw new DativoException("give exactly one of --config JOB or --job-dir DIR");
            var files = file is not null ? [file.FullName] : FindJobs(dir!);
            var runMode = CommonOptions.ParseMode(pr.GetValue(mode));

            var jobs = new List<LoadedJob>();
            var issues = new List<ConfigIssue>();
            foreach (var f in files)
            {
                try { jobs.Add(JobLoader.Load(f, ctx.Env, runMode)); }
                catch (ConfigException e) { issues.AddRange(e.Issues); }
                catch (DativoException e) { issues.Add(new ConfigIssue(IssueSeverity.Error, f, 0, 0, "", e.Message)); }
            }
            if (issues.Count > 0)
                throw new DativoException($"{issues.Count(i => i.Severity == IssueSeverity.Error)} problem(s) in {files.Count} job file(s); nothing was run:{Environment.NewLine}" +
                    string.Join(Environment.NewLine, issues));

            foreach (var job in jobs)
            {
                foreach (var w in job.Warnings) await ctx.Err.WriteLineAsync(w.ToString()).ConfigureAwait(false);
                if (job.Config.Infrastructure?.Terraform?.ModuleSource is not null)
                {
                    var path = await InfraCommands.WriteTfvarsAsync(job, null, ctx, ct).ConfigureAwait(false);
                    await ctx.Err.WriteLineAsync($"{job.Name}: wrote {path}").ConfigureAwait(false);
                }
            }
            return await JobExecution.RunAllAsync(jobs, ctx, ct, CommonOptions.ResolveSecretsDir(pr.GetValue(secretsDir), ctx)).ConfigureAwait(false);
        });
        return cmd;
    }

    private static List<string> FindJobs(DirectoryInfo dir)
    {
        if (!dir.Exists) throw new DativoException($"job folder not found: {dir.FullName}");
        var files = dir.EnumerateFiles("*.yaml", SearchOption.AllDirectories)
            .Concat(dir.EnumerateFiles("*.yml", SearchOption.AllDirectories))
            .Select(f => f.FullName).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new DativoException($"no *.yaml or *.yml job files under {dir.FullName}");
        return files;
    }
}
