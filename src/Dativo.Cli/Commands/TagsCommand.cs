using System.CommandLine;
using System.Text.Json.Nodes;
using Dativo.Core.Config.Jobs;
using Dativo.Application.Infrastructure;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo tags</c>: the table properties and infrastructure tags a job produces (no data, no connector needed).</summary>
internal static class TagsCommand
{
    public static Command Create(CliContext ctx)
    {
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var cmd = new Command("tags", "Show the Iceberg table properties and AWS tags derived from a job and its contract") { config, json };
        cmd.SetAction(async (pr, ct) =>
        {
            // tags come from the contract, governance and infrastructure: connectors need not be runnable here
            var job = JobLoader.Load(pr.GetValue(config)!.FullName, ctx.Env, use: JobUse.Tags);
            foreach (var w in job.Warnings) await ctx.Err.WriteLineAsync(w.ToString()).ConfigureAwait(false);
            var props = JobInfrastructure.TableProperties(job);
            var tags = JobInfrastructure.Tags(job);
            if (pr.GetValue(json))
            {
                await ctx.Out.WriteLineAsync(IssueJson.Pretty(new JsonObject
                {
                    ["table_properties"] = new JsonObject(props.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                    ["infrastructure_tags"] = new JsonObject(tags.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                })).ConfigureAwait(false);
                return 0;
            }
            await ctx.Out.WriteLineAsync("Table properties:").ConfigureAwait(false);
            foreach (var (k, v) in props) await ctx.Out.WriteLineAsync($"  {k} = {v}").ConfigureAwait(false);
            await ctx.Out.WriteLineAsync("Infrastructure tags:").ConfigureAwait(false);
            foreach (var (k, v) in tags) await ctx.Out.WriteLineAsync($"  {k} = {v}").ConfigureAwait(false);
            return 0;
        });
        return cmd;
    }
}
