using System.CommandLine;
using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo run</c>: validates every job up front as <c>check</c> does, with the same messages (a directory run refuses
/// to start while any job is invalid; <c>--strict</c> counts warnings), writes Terraform variables for jobs with an
/// infrastructure block, then runs them.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliContext ctx)
    {
        var config = CommonOptions.Config(required: false);
        var jobDir = CommonOptions.JobDir();
        var mode = CommonOptions.Mode();
        var secretsDir = CommonOptions.SecretsDir();
        var strict = CommonOptions.Strict();
        var cmd = new Command("run", "Run a job (--config) or every job in a folder (--job-dir)") { config, jobDir, mode, secretsDir, strict };
        cmd.SetAction(async (pr, ct) =>
        {
            var file = pr.GetValue(config);
            var dir = pr.GetValue(jobDir);
            if ((file is null) == (dir is null))
                throw new DativoException("give exactly one of --config JOB or --job-dir DIR");
            var files = file is not null ? [file.FullName] : await CheckCommand.JobFolderAsync(dir!, ctx).ConfigureAwait(false);
            var runMode = CommonOptions.ParseMode(pr.GetValue(mode));
            var isStrict = pr.GetValue(strict);

            var jobs = new List<LoadedJob>();
            var issues = new List<ConfigIssue>();
            foreach (var f in files)
            {
                try
                {
                    var job = JobLoader.Load(f, ctx.Env, runMode);
                    if (isStrict) issues.AddRange(job.Warnings.Select(w => w with { Severity = IssueSeverity.Error }));
                    jobs.Add(job);
                }
                catch (ConfigException e) { issues.AddRange(isStrict ? e.Issues.Select(i => i with { Severity = IssueSeverity.Error }) : e.Issues); }
                catch (DativoException e) { issues.Add(new ConfigIssue(IssueSeverity.Error, f, 0, 0, "", e.Message)); }
            }
            if (issues.Any(i => i.Severity == IssueSeverity.Error))
                throw new DativoException($"{issues.Count(i => i.Severity == IssueSeverity.Error)} problem(s) in {files.Count} job file(s); nothing was run:{Environment.NewLine}" +
                    string.Join(Environment.NewLine, issues) + (isStrict ? $"{Environment.NewLine}(--strict: warnings count as problems)" : ""));

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
}
