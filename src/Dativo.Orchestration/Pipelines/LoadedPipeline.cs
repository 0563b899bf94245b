namespace Dativo.Orchestration.Pipelines;

/// <summary>A validated pipeline: definition, location, tasks in dependency order and effective parameters.</summary>
public sealed record LoadedPipeline
{
    public required string File { get; init; }
    public required string Directory { get; init; }
    public required PipelineDefinition Definition { get; init; }

    /// <summary>Tasks in a dependency-respecting order.</summary>
    public required IReadOnlyList<TaskDefinition> Tasks { get; init; }

    /// <summary>Declared params with --set overrides applied.</summary>
    public required IReadOnlyDictionary<string, string> Params { get; init; }

    /// <summary>Params a parent pipeline filled from data (its foreach item or outputs): paths treat their values as untrusted.</summary>
    public IReadOnlySet<string> DataParams { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public string Name => Definition.Name;

    public TaskDefinition Task(string name) => Tasks.First(t => t.Name == name);

    public string Resolve(string relative) =>
        Path.IsPathRooted(relative) || relative.Contains("://", StringComparison.Ordinal) ? relative : Path.GetFullPath(Path.Combine(Directory, relative));

    public TimeSpan RunTtl => Durations.ParseOrNull(Definition.RunTtl) ?? TimeSpan.FromDays(7);
}
