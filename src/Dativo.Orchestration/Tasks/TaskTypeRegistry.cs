namespace Dativo.Orchestration.Tasks;

/// <summary>
/// Task types by name. Every type the pipeline schema knows is declared; a type whose executor lives in
/// a layer this build does not include stays declared with the reason, so a pipeline using it fails at
/// validation with "task type X is not available in this build" — never a fake success at run time.
/// </summary>
public sealed class TaskTypeRegistry
{
    public static readonly string[] KnownTypes = ["command", "pipeline", "job", "sql", "generate", "files", "emr_serverless", "emr_cluster"];

    private readonly Dictionary<string, ITaskExecutor> _executors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _unavailable = new(StringComparer.Ordinal);

    /// <summary>command, pipeline, sql, generate, files, emr_serverless and emr_cluster built in; job is registered by the application layer.</summary>
    public static TaskTypeRegistry CreateDefault()
    {
        var r = new TaskTypeRegistry();
        r.Register("command", new CommandExecutor());
        r.Register("pipeline", new SubPipelineExecutor());
        r.Declare("job", "the job executor lives in the application layer (Dativo.Application), which registers it; this host did not");
        r.Register("sql", new SqlTaskExecutor());
        r.Register("generate", new GenerateTaskExecutor());
        r.Register("files", new Files.FilesTaskExecutor());
        r.Register("emr_serverless", new EmrServerlessExecutor());
        r.Register("emr_cluster", new EmrCluster.EmrClusterExecutor());
        return r;
    }

    public void Register(string type, ITaskExecutor executor)
    {
        _executors[type] = executor;
        _unavailable.Remove(type);
    }

    public void Declare(string type, string unavailableReason)
    {
        if (!_executors.ContainsKey(type)) _unavailable[type] = unavailableReason;
    }

    public IEnumerable<string> Names => _executors.Keys.Concat(_unavailable.Keys).Order(StringComparer.Ordinal);

    /// <summary>The executor, or null with <paramref name="unavailable"/> set (known but missing) or null (unknown type).</summary>
    public ITaskExecutor? Find(string type, out string? unavailable)
    {
        if (_executors.TryGetValue(type, out var e))
        {
            unavailable = null;
            return Core.Faults.FaultPoints.Any ? new FaultHookExecutor(e) : e;
        }
        _unavailable.TryGetValue(type, out unavailable);
        return null;
    }
}
