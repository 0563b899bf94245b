using System.CommandLine;
using System.Text.Json;
using Dativo.Core.Errors;
using Dativo.Orchestration.Datasets;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo datasets get|set --source ssm|secretsmanager|file --name N</c>: the dataset list a foreach reads (seed 002's setup script).</summary>
internal static class DatasetsCommands
{
    public static Command Create(CliContext ctx)
    {
        Option<string> Source() => new Option<string>("--source") { Description = "ssm, secretsmanager or file", Required = true }
            .AcceptOnlyFromAmong("ssm", "secretsmanager", "file");
        Option<string> Name() => new("--name") { Description = "parameter name, secret id or file path", Required = true };
        Option<string> Region() => new("--region") { Description = "AWS region (default AWS_REGION)" };

        var gs = Source(); var gn = Name(); var gr = Region();
        var get = new Command("get", "Print the dataset list held by a source") { gs, gn, gr };
        get.SetAction(async (pr, ct) =>
        {
            var (source, name, region) = (pr.GetValue(gs)!, pr.GetValue(gn)!, pr.GetValue(gr) ?? ctx.Env("AWS_REGION") ?? ctx.Env("AWS_DEFAULT_REGION"));
            string? text;
            try
            {
                text = source switch
                {
                    "file" => File.Exists(name) ? await File.ReadAllTextAsync(name, ct) : null,
                    "ssm" => await PipelineServices.Aws(ctx).GetParameterAsync(name, region, ct),
                    _ => await PipelineServices.Aws(ctx).GetSecretAsync(name, region, ct),
                };
            }
            catch (SourceUnavailableException e)
            {
                throw new DativoException($"{source} {name}: {e.Message}");
            }
            if (text is null) throw new DativoException($"{source} {name}: not found");
            List<string> list;
            try { list = DatasetLists.Parse(text, allowLines: source == "file"); }
            catch (FormatException e) { throw new DativoException($"{source} {name} {e.Message}"); }
            await ctx.Out.WriteLineAsync(JsonSerializer.Serialize(list));
            return 0;
        });

        var ss = Source(); var sn = Name(); var sr = Region();
        var values = new Option<string>("--values") { Description = "the list: a JSON array or comma-separated names", Required = true };
        var set = new Command("set", "Store a dataset list (JSON array) in a source, then read it back") { ss, sn, sr, values };
        set.SetAction(async (pr, ct) =>
        {
            var (source, name, region) = (pr.GetValue(ss)!, pr.GetValue(sn)!, pr.GetValue(sr) ?? ctx.Env("AWS_REGION") ?? ctx.Env("AWS_DEFAULT_REGION"));
            var raw = pr.GetValue(values)!.Trim();
            List<string> list;
            try { list = raw.StartsWith('[') ? DatasetLists.Parse(raw) : DatasetLists.Parse(JsonSerializer.Serialize(raw.Split(',').Select(s => s.Trim()).ToList())); }
            catch (FormatException e) { throw new DativoException($"--values {e.Message}"); }
            var json = JsonSerializer.Serialize(list);
            try
            {
                switch (source)
                {
                    case "file":
                        await File.WriteAllTextAsync(name, json + "\n", ct);
                        break;
                    case "ssm":
                        await PipelineServices.Aws(ctx).PutParameterAsync(name, json, region, ct);
                        break;
                    default:
                        await PipelineServices.Aws(ctx).PutSecretAsync(name, json, region, ct);
                        break;
                }
            }
            catch (SourceUnavailableException e)
            {
                throw new DativoException($"{source} {name}: {e.Message}");
            }
            await ctx.Out.WriteLineAsync($"stored {list.Count} dataset(s) in {source} {name}");
            return 0;
        });
        return new Command("datasets", "Dataset lists for foreach (SSM, Secrets Manager, file)") { get, set };
    }
}
