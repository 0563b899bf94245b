using System.CommandLine;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo check</c>: validates a job, its contract and connectors without touching data.</summary>
internal static class CheckCommand
{
    public static Command Create(CliContext ctx)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var mode = CommonOptions.Mode();
        var cmd = new Command("check", "Validate a job, its data contract and connectors (no data is read)") { config, json, mode };
        cmd.SetAction(async (pr, ct) =>
        {
            var file = pr.GetValue(config)!.FullName;
            var asJson = pr.GetValue(json);
            try
            {
                var job = JobLoader.Load(file, ctx.Env, CommonOptions.ParseMode(pr.GetValue(mode)));
                if (asJson)
                {
                    await ctx.Out.WriteLineAsync(IssueJson.Pretty(new JsonObject
                    {
                        ["valid"] = true,
                        ["job"] = job.Name,
                        ["tenant_id"] = job.Config.TenantId,
                        ["contract"] = new JsonObject { ["name"] = job.Contract.Name, ["version"] = job.Contract.Version, ["columns"] = job.Contract.Fields.Count },
                        ["source"] = job.SourceRecipe.Type,
                        ["target"] = job.TargetRecipe.Type,
                        ["errors"] = new JsonArray(),
                        ["warnings"] = IssueJson.Of(job.Warnings),
                    })).ConfigureAwait(false);
                }
                else
                {
                    foreach (var w in job.Warnings) await ctx.Err.WriteLineAsync(w.ToString()).ConfigureAwait(false);
                    await ctx.Out.WriteLineAsync($"ok: {pr.GetValue(config)!.Name}: job '{job.Name}' for tenant '{job.Config.TenantId}', " +
                        $"contract {job.Contract.Name} v{job.Contract.Version} ({job.Contract.Fields.Count} columns), " +
                        $"{job.SourceRecipe.Type} -> {job.TargetRecipe.Type}" +
                        (job.Warnings.Count > 0 ? $", {job.Warnings.Count} warning(s)" : "")).ConfigureAwait(false);
                }
                return ExitCodes.Success;
            }
            catch (DativoException e) when (asJson)
            {
                var issues = e is ConfigException ce ? ce.Issues : [new ConfigIssue(IssueSeverity.Error, file, 0, 0, "", e.Message)];
                await ctx.Out.WriteLineAsync(IssueJson.Pretty(new JsonObject
                {
                    ["valid"] = false,
                    ["errors"] = IssueJson.Of(issues.Where(i => i.Severity == IssueSeverity.Error)),
                    ["warnings"] = IssueJson.Of(issues.Where(i => i.Severity == IssueSeverity.Warning)),
                })).ConfigureAwait(false);
                return e.ExitCode;
            }
        });
        return cmd;
    }
}
