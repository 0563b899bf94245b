using Dativo.Core.Config;
using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Application.Pipelines;

/// <summary>A pipeline file of the pipelines folder: its name, or why it does not load.</summary>
public sealed record PipelineEntry(string Name, string File, LoadedPipeline? Pipeline, IReadOnlyList<ConfigIssue> Issues)
{
    public bool Valid => Pipeline is not null;
}

/// <summary>The pipelines of one folder (<c>*.yaml</c>, <c>*.yml</c>, not recursive), found by name.</summary>
public sealed class PipelineCatalog(AppContext app, string folder)
{
    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>Every pipeline file, loaded; a file that does not load is listed with its issues under its file name.</summary>
    public IReadOnlyList<PipelineEntry> List()
    {
        if (!Directory.Exists(Folder)) return [];
        var entries = new List<PipelineEntry>();
        foreach (var file in Directory.EnumerateFiles(Folder).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            try
            {
                var p = PipelineHost.Load(app, file);
                entries.Add(new PipelineEntry(p.Name, file, p, []));
            }
            catch (DativoException e)
            {
                var issues = e is ConfigException ce ? ce.Issues : [new ConfigIssue(IssueSeverity.Error, file, 0, 0, "", e.Message)];
                entries.Add(new PipelineEntry(Path.GetFileNameWithoutExtension(file), file, null, issues));
            }
        }
        return entries;
    }

    /// <summary>The pipeline named <paramref name="name"/>, loaded with <paramref name="overrides"/>; a user error when there is none or it is invalid.</summary>
    public LoadedPipeline Load(string name, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var entry = List().FirstOrDefault(e => e.Name == name)
            ?? throw new NotFoundException($"no pipeline '{name}' in {Folder}; pipelines: {string.Join(", ", List().Select(e => e.Name))}");
        if (entry.Pipeline is null) throw new ConfigException([.. entry.Issues]);
        return overrides is { Count: > 0 } ? PipelineHost.Load(app, entry.File, overrides) : entry.Pipeline;
    }
}

/// <summary>A named thing (pipeline, run, table, job) that does not exist: a user error the server answers with 404.</summary>
public sealed class NotFoundException(string message) : DativoException(message);
