using System.CommandLine;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Errors;
using Dativo.Orchestration.Runs;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo pipeline validate|run</c>.</summary>
internal static class PipelineCommands
{
    public static Command Create(CliContext ctx)
    {
        Orchestration.Pipelines.PipelineSchema.Register(); // publishes schemas/pipeline.schema.json for 'dativo schema export'
        return new Command("pipeline", "Validate and run pipelines (fan-out, durable runs, backfills)") { Validate(ctx), Run(ctx), RunsCommands.Schedule(ctx), WorkerCommands.Submit(ctx) };
    }

    private static Command Validate(CliContext ctx)
    {
        var file = new Argument<FileInfo>("file") { Description = "pipeline file (YAML)" };
        var json = CommonOptions.Json();
        var cmd = new Command("validate", "Check a pipeline: schema, task types, dependencies, templates, sources (nothing runs)") { file, json };
        cmd.SetAction(async (pr, ct) =>
        {
            var path = pr.GetValue(file)!.FullName;
            try
            {
                var p = PipelineServices.Load(ctx, path);
                if (pr.GetValue(json))
                    await ctx.Out.WriteLineAsync(IssueJson.Pretty(new JsonObject
                    {
                        ["valid"] = true,
                        ["pipeline"] = p.Name,
                        ["tasks"] = new JsonArray([.. p.Tasks.Select(t => (JsonNode)new JsonObject { ["name"] = t.Name, ["type"] = t.Type, ["foreach"] = t.Foreach is not null, ["depends_on"] = new JsonArray([.. t.DependsOn.Select(d => (JsonNode)d)]) })]),
                        ["errors"] = new JsonArray(),
                    }));
                else
                    await ctx.Out.WriteLineAsync($"ok: {pr.GetValue(file)!.Name}: pipeline '{p.Name}', {p.Tasks.Count} task(s): " +
                        string.Join(" -> ", p.Tasks.Select(t => t.Foreach is null ? t.Name : t.Name + "[foreach]")));
                return ExitCodes.Success;
            }
            catch (DativoException e) when (pr.GetValue(json))
            {
                var issues = e is ConfigException ce ? ce.Issues : [new ConfigIssue(IssueSeverity.Error, path, 0, 0, "", e.Message)];
                await ctx.Out.WriteLineAsync(IssueJson.Pretty(new JsonObject { ["valid"] = false, ["errors"] = IssueJson.Of(issues) }));
                return e.ExitCode;
            }
        });
        return cmd;
    }

    private static Command Run(CliContext ctx)
    {
        var file = new Argument<FileInfo>("file") { Description = "pipeline file (YAML)" };
        var correlation = new Option<string>("--correlation-id") { Description = "run key with the pipeline name; re-using it resumes from the failure point" };
        var exportDate = new Option<string>("--export-date") { Description = "the date the run is for (yyyy-MM-dd), {{ export_date }}" };
        var startDate = new Option<string>("--start-date") { Description = "backfill: run each day from this date to --export-date as child runs" };
        var parallel = new Option<int>("--parallel-days") { Description = "backfill: days at once (default 1)", DefaultValueFactory = _ => 1 };
        var sets = new Option<string[]>("--set") { Description = "override a declared param: --set key=value (repeatable)" };
        var state = PipelineServices.StateOption();
        var json = CommonOptions.Json();
        var cmd = new Command("run", "Run a pipeline and wait for it (progress on stderr)") { file, correlation, exportDate, startDate, parallel, sets, state, json };
        cmd.SetAction(async (pr, ct) =>
        {
            var p = PipelineServices.Load(ctx, pr.GetValue(file)!.FullName, PipelineServices.ParseSets(pr.GetValue(sets)));
            var store = PipelineServices.OpenStore(ctx, pr.GetValue(state));
            var engine = PipelineServices.Engine(ctx, store, progress: true);
            var export = pr.GetValue(exportDate);
            if (export is not null) Backfill.ParseDate(export, "--export-date");
            RunRecord run;
            if (pr.GetValue(startDate) is { } start)
            {
                if (export is null) throw new DativoException("--start-date needs --export-date (the last day of the backfill)");
                run = await Backfill.RunAsync(engine, p, start, export, pr.GetValue(correlation), pr.GetValue(parallel), ct);
            }
            else
            {
                run = await engine.RunAsync(p, new RunRequest(pr.GetValue(correlation), export), ct);
            }
            var shown = await RunsCommands.DescribeAsync(store, run, ct, ctx.Time);
            if (pr.GetValue(json)) await ctx.Out.WriteLineAsync(IssueJson.Pretty(shown.Json));
            else await ctx.Out.WriteLineAsync(shown.Text);
            return shown.ExitCode;
        });
        return cmd;
    }
}
