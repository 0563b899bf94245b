using Dativo.Lake.State;
using Dativo.Orchestration.Alerts;
using Dativo.Orchestration.Datasets;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;

namespace Dativo.Application.Pipelines;

/// <summary>
/// Wiring of the orchestrator shared by every host (CLI, server): where run state lives, which task types exist,
/// the AWS readers and alerts a run uses.
/// </summary>
public static class PipelineHost
{
    private static readonly HttpClient Http = new();

    /// <summary>
    /// The run history: <paramref name="state"/> (a SQLite file or folder, or a database URI), else DATIVO_STATE,
    /// else <c>.dativo/state.db</c> in the working directory.
    /// </summary>
    public static IRunStore OpenRunStore(AppContext app, string? state)
    {
        var uri = state ?? app.Env("DATIVO_STATE");
        if (uri is not null && !uri.Contains("://", StringComparison.Ordinal) && Directory.Exists(uri))
            return new StateStoreRunStore(StateStores.Open(new StateStoreOptions { Directory = uri, Time = app.Time }));
        return new StateStoreRunStore(StateStores.Open(new StateStoreOptions { Uri = uri, Directory = app.StateDirectory, Time = app.Time }));
    }

    /// <summary>The task types of this build; each layer's executors are registered here (one line each).</summary>
    public static TaskTypeRegistry Registry(AppContext? app = null)
    {
        var r = TaskTypeRegistry.CreateDefault();
        r.Register("job", new JobTaskExecutor(app?.WorkDir));
        return r;
    }

    public static IAwsValueReader Aws(AppContext app) => new AwsValueReader(app.Env, Http);

    /// <summary>Loads and validates a pipeline file with parameter overrides.</summary>
    public static LoadedPipeline Load(AppContext app, string file, IReadOnlyDictionary<string, string>? overrides = null, IEnumerable<string>? dataParams = null)
    {
        PipelineSchema.Register();
        return PipelineLoader.Load(file, Registry(app), app.Env, overrides, dataParams);
    }

    /// <summary>An engine over <paramref name="store"/> that reports its events to <paramref name="progress"/>; attempt logs under
    /// <paramref name="logRoot"/> (default <see cref="AppContext.LogRoot"/>).</summary>
    public static RunEngine Engine(AppContext app, IRunStore store, Action<RunEvent> progress, string? logRoot = null) => new(new RunOptions
    {
        Store = store,
        Registry = Registry(app),
        Time = app.Time,
        Env = app.Env,
        Aws = Aws(app),
        LogRoot = logRoot ?? app.LogRoot,
        Progress = progress,
        Alerts = new WebhookAlerts(Http, app.Warn),
    });
}
