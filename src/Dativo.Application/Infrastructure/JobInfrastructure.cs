using System.Text.Json.Nodes;
using Dativo.Application.Pipelines;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Infrastructure;
using Dativo.Core.Tags;

namespace Dativo.Application.Infrastructure;

/// <summary>What a job's contract becomes downstream: the Iceberg table properties, the infrastructure tags and the Terraform variables.</summary>
public static class JobInfrastructure
{
    public static SortedDictionary<string, string> TableProperties(LoadedJob job) => Core.Tags.TableProperties.Derive(job);

    public static OrderedTags Tags(LoadedJob job) => InfrastructureTags.Derive(job);

    /// <summary>The Terraform variables of the job, rendered for <paramref name="outPath"/> (HCL, or JSON when it ends in .json).</summary>
    public static string Tfvars(LoadedJob job, Func<string, string?> env, string outPath) =>
        TfvarsWriter.Render(TerraformVariables.Build(job, env), outPath, Path.GetFileName(job.File));

    /// <summary>The Terraform variables as JSON values.</summary>
    public static JsonObject TfvarsJson(LoadedJob job, Func<string, string?> env) =>
        new(TerraformVariables.Build(job, env).Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
}

/// <summary>A job file of the jobs folder (<c>&lt;tenant&gt;/&lt;job&gt;.yaml</c> or any depth below it), named by its path without extension.</summary>
public sealed record JobEntry(string Id, string File);

/// <summary>The job files of one folder, found by id (their relative path without <c>.yaml</c>); ids never leave the folder.</summary>
public sealed class JobCatalog(AppContext app, string folder)
{
    public string Folder { get; } = Path.GetFullPath(folder);

    public IReadOnlyList<JobEntry> List() => !Directory.Exists(Folder) ? [] :
        [.. Directory.EnumerateFiles(Folder, "*.yaml", SearchOption.AllDirectories)
            .Select(f => new JobEntry(Path.GetRelativePath(Folder, f)[..^".yaml".Length].Replace('\\', '/'), f))
            .OrderBy(e => e.Id, StringComparer.Ordinal)];

    /// <summary>The job with this id, loaded; only ids <see cref="List"/> returns are accepted, so no path outside the folder is ever read.</summary>
    public LoadedJob Load(string id)
    {
        var entry = List().FirstOrDefault(e => e.Id == id) ?? throw new NotFoundException($"no job '{id}' in {Folder}");
        return JobLoader.Load(entry.File, app.Env, use: JobUse.Tags); // tags and tfvars need no runnable connector
    }
}
