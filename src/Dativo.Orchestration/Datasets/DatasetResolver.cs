using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Datasets;

/// <summary>
/// Resolves a foreach dataset list from its sources, in the declared order. A source that is absent
/// (unset variable, missing file/parameter/secret, no AWS access) falls through to the next one; a source
/// that exists but does not hold a list is an error. If no source yields a list, the error names each
/// source and why: there is no silent default.
/// </summary>
public sealed class DatasetResolver(Func<string, string?> env, IAwsValueReader? aws)
{
    public async Task<(List<string> Datasets, string Source)> ResolveAsync(LoadedPipeline pipeline, TaskDefinition task, CancellationToken ct)
    {
        var tried = new List<string>();
        foreach (var src in task.Foreach!.Sources)
        {
            string? text;
            var allowLines = false;
            try
            {
                if (src.Values is not null) return (DatasetLists.Parse(System.Text.Json.JsonSerializer.Serialize(src.Values)), "values");
                if (src.File is not null)
                {
                    var path = pipeline.Resolve(src.File);
                    text = File.Exists(path) ? await File.ReadAllTextAsync(path, ct) : null;
                    allowLines = true;
                    if (text is null) { tried.Add($"file {path}: not found"); continue; }
                }
                else if (src.Env is not null)
                {
                    text = env(src.Env);
                    if (string.IsNullOrWhiteSpace(text)) { tried.Add($"env {src.Env}: not set"); continue; }
                }
                else if (src.Ssm is not null || src.Secretsmanager is not null)
                {
                    if (aws is null) { tried.Add($"{src.Describe()}: AWS access is not configured"); continue; }
                    var region = src.Region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION");
                    text = src.Ssm is not null
                        ? await aws.GetParameterAsync(src.Ssm, region, ct)
                        : await aws.GetSecretAsync(src.Secretsmanager!, region, ct);
                    if (text is null) { tried.Add($"{src.Describe()}: not found"); continue; }
                }
                else continue;
            }
            catch (SourceUnavailableException e)
            {
                tried.Add($"{src.Describe()}: {e.Message}");
                continue;
            }
            try
            {
                return (DatasetLists.Parse(text, allowLines), src.Describe());
            }
            catch (FormatException e)
            {
                throw new DativoException($"task '{task.Name}': foreach source {src.Describe()} {e.Message}; fix the value or remove the source");
            }
        }
        throw new DativoException($"task '{task.Name}': no foreach source yielded a dataset list: {string.Join("; ", tried)}");
    }
}
