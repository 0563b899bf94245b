using System.CommandLine;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Errors;
using Dativo.Streaming.Config;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo stream</c>: delivery streams. This file holds the parent command and the configuration subcommands
/// (<c>check</c>, <c>tfvars</c>); other stream subcommands are passed to <see cref="Create"/>.
/// </summary>
internal static class StreamConfigCommands
{
    public static Command Create(CliContext ctx, params Command[] more)
    {
        StreamSchema.Register(); // publishes schemas/stream.schema.json for 'dativo schema export'
        var stream = new Command("stream", "Firehose-compatible delivery streams: check a stream file, Terraform variables") { Check(ctx) };
        foreach (var c in more) stream.Subcommands.Add(c);
        return stream;
    }

    public static Option<FileInfo> ConfigOption() => new("--config", "-c") { Description = "delivery-stream file (YAML)", Required = true };

    private static Command Check(CliContext ctx)
    {
        var config = ConfigOption();
        var json = CommonOptions.Json();
        var cmd = new Command("check", "Validate a delivery-stream file (every problem at once, with file:line)") { config, json };
        cmd.SetAction(async (pr, ct) =>
        {
            var file = pr.GetValue(config)!.FullName;
            var asJson = pr.GetValue(json);
            try
            {
                var loaded = StreamConfigLoader.Load(file, ctx.Env);
                if (asJson)
                {
                    await ctx.Out.WriteLineAsync(IssueJson.Pretty(new JsonObject
                    {
                        ["valid"] = true,
                        ["streams"] = new JsonArray([.. loaded.Streams.Select(s => (JsonNode)JsonValue.Create(s.Name))]),
                        ["errors"] = new JsonArray(),
                        ["warnings"] = IssueJson.Of(loaded.Warnings),
                    })).ConfigureAwait(false);
                    return ExitCodes.Success;
                }
                foreach (var w in loaded.Warnings) await ctx.Err.WriteLineAsync(w.ToString()).ConfigureAwait(false);
                await ctx.Out.WriteLineAsync($"ok: {pr.GetValue(config)!.Name}: {loaded.Streams.Count} stream(s) on {loaded.Bind}:{loaded.Port}" +
                    (loaded.Warnings.Count > 0 ? $", {loaded.Warnings.Count} warning(s)" : "")).ConfigureAwait(false);
                foreach (var s in loaded.Streams) await ctx.Out.WriteLineAsync("  " + Describe(s)).ConfigureAwait(false);
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

    private static string Describe(LoadedStream s)
    {
        var source = s.Source is KinesisSource k ? $"kinesis {k.StreamName}" : "direct put";
        var destination = s.Destination switch
        {
            LocalDestination l => $"folder {l.Path}",
            S3Destination b => $"s3://{b.Bucket}/{b.Prefix}",
            IcebergDestination i => $"iceberg table {i.Namespace ?? "(contract domain)"}.{i.Table}",
            _ => "?",
        };
        var partitioning = s.DynamicPartitioning ? $"partitioned by {string.Join(", ", s.Prefix!.PartitionKeys.Select(p => p.Key).Distinct())}" : "not partitioned";
        return $"{s.Name}: {source} -> {destination}, {partitioning}, {s.Compression.ToString().ToUpperInvariant()}, " +
            $"flush at {s.BufferingSizeBytes / (1024 * 1024)} MiB or {s.BufferingInterval.TotalSeconds:0} s, auth {(s.Auth is SigV4Auth ? "sigv4" : "none")}";
    }
}
