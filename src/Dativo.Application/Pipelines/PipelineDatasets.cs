using Dativo.Orchestration.Datasets;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Application.Pipelines;

/// <summary>The dataset lists of a pipeline's foreach tasks, read from their sources as a run would read them now.</summary>
public static class PipelineDatasets
{
    public static async Task<Dictionary<string, (List<string> Datasets, string Source)>> ResolveAsync(AppContext app, LoadedPipeline pipeline, CancellationToken ct)
    {
        var resolver = new DatasetResolver(app.Env, PipelineHost.Aws(app));
        var lists = new Dictionary<string, (List<string>, string)>(StringComparer.Ordinal);
        foreach (var t in pipeline.Tasks.Where(t => t.Foreach is not null))
            lists[t.Name] = await resolver.ResolveAsync(pipeline, t, ct).ConfigureAwait(false);
        return lists;
    }
}
