using System.CommandLine;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo check</c>: validates a job (or every job of a folder), its contract and connectors without touching data,
/// reporting every problem a run would hit at once, each with file:line. <c>--strict</c> makes warnings errors.
/// </summary>
internal static class CheckCommand
{
    public static Command Create(CliContext ctx)
    {
        var config = CommonOptions.Config(required: false);
        var jobDir = CommonOptions.JobDir();
        var json = CommonOptions.Json();
        var mode = CommonOptions.Mode();
        var strict = CommonOptions.Strict();
        var cmd = new Command("check", "Validate a job, its data contract and connectors (no data is read)") { config, jobDir, json, mode, strict };
        cmd.SetAction(async (pr, ct) =>
        {
            var file = pr.GetValue(config);
            var dir = pr.GetValue(jobDir);
            if ((file is null) == (dir is null))
                throw new DativoException("give exactly one of --config JOB or --job-dir DIR");
            var asJson = pr.GetValue(json);
            var isStrict = pr.GetValue(strict);
            var files = file is not null ? [file.FullName] : await JobFolderAsync(dir!, ctx).ConfigureAwait(false);
            var runMode = CommonOptions.ParseMode(pr.GetValue(mode));

            var results = files.Select(f => Validate(f, ctx, runMode, isStrict)).ToList();
            var valid = results.All(r => r.Job is not null);
            if (asJson)
            {
                var reports = results.Select(r => Report(r)).ToList();
                await ctx.Out.WriteLineAsync(IssueJson.Pretty(file is not null ? reports[0] : new JsonObject
                {
                    ["valid"] = valid,
                    ["jobs"] = new JsonArray([.. reports]),
                })).ConfigureAwait(false);
                return valid ? ExitCodes.Success : ExitCodes.UserError;
            }
            foreach (var r in results)
            {
                foreach (var issue in r.Issues)
                    await ctx.Err.WriteLineAsync(issue.Line == 0 && issue.KeyPath.Length == 0 ? issue.Message : issue.ToString()).ConfigureAwait(false);
                if (r.Job is { } job)
                {
                    var warnings = r.Issues.Count;
                    await ctx.Out.WriteLineAsync($"ok: {Path.GetFileName(r.File)}: job '{job.Name}' for tenant '{job.Config.TenantId}', " +
                        $"contract {job.Contract.Name} v{job.Contract.Version} ({job.Contract.Fields.Count} columns), " +
                        $"{job.SourceRecipe.Type} -> {job.TargetRecipe.Type}" +
                        (warnings > 0 ? $", {warnings} warning(s)" : "")).ConfigureAwait(false);
                }
            }
            if (valid) return ExitCodes.Success;
            var errors = results.Sum(r => r.Issues.Count(i => i.Severity == IssueSeverity.Error || isStrict));
            throw new DativoException($"{errors} problem(s) in {results.Count(r => r.Job is null)} of {results.Count} job file(s)" +
                (isStrict ? " (--strict: warnings count)" : "") + "; see above");
        });
        return cmd;
    }

    private sealed record Result(string File, LoadedJob? Job, IReadOnlyList<ConfigIssue> Issues);

    /// <summary>Loads one job; with <paramref name="strict"/> a job with warnings is not valid (its warnings become errors).</summary>
    private static Result Validate(string file, CliContext ctx, RunMode mode, bool strict)
    {
        try
        {
            var job = JobLoader.Load(file, ctx.Env, mode);
            if (strict && job.Warnings.Count > 0) return new Result(file, null, [.. job.Warnings.Select(w => w with { Severity = IssueSeverity.Error })]);
            return new Result(file, job, job.Warnings);
        }
        catch (ConfigException e)
        {
            return new Result(file, null, [.. e.Issues.Select(i => strict ? i with { Severity = IssueSeverity.Error } : i)]);
        }
        catch (DativoException e)
        {
            return new Result(file, null, [new ConfigIssue(IssueSeverity.Error, file, 0, 0, "", e.Message)]);
        }
    }

    private static JsonObject Report(Result r)
    {
        var o = new JsonObject { ["file"] = r.File, ["valid"] = r.Job is not null };
        if (r.Job is { } job)
        {
            o["job"] = job.Name;
            o["tenant_id"] = job.Config.TenantId;
            o["contract"] = new JsonObject { ["name"] = job.Contract.Name, ["version"] = job.Contract.Version, ["columns"] = job.Contract.Fields.Count };
            o["source"] = job.SourceRecipe.Type;
            o["target"] = job.TargetRecipe.Type;
        }
        o["errors"] = IssueJson.Of(r.Issues.Where(i => i.Severity == IssueSeverity.Error));
        o["warnings"] = IssueJson.Of(r.Issues.Where(i => i.Severity == IssueSeverity.Warning));
        return o;
    }

    /// <summary>The jobs of a folder; files that are not jobs (contracts, recipes) are named on stderr and skipped.</summary>
    public static async Task<List<string>> JobFolderAsync(DirectoryInfo dir, CliContext ctx)
    {
        var (jobs, skipped) = JobFiles.Find(dir.FullName);
        foreach (var s in skipped)
            await ctx.Err.WriteLineAsync($"skipped {Path.GetRelativePath(dir.FullName, s.File)}: {s.Reason}").ConfigureAwait(false);
        return jobs;
    }
}
