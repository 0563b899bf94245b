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
    public static RunEngine Engine(AppContext app, IRunStore store, Action<RunEvent> progress, string? logRoot = null) => new(Options(app, store, progress, logRoot));

    /// <summary>
    /// An engine for a worker sharing <paramref name="store"/> with other workers: it holds runs and fan-out items with
    /// leases of <paramref name="lease"/> (default 30 s), so idle workers take items of a running fan-out; it runs at most
    /// <paramref name="slots"/> items of a shared fan-out at once (null: up to the task's concurrency).
    /// </summary>
    public static RunEngine WorkerEngine(AppContext app, StateStoreRunStore store, Action<RunEvent> progress, TimeSpan? lease = null, int? slots = null)
    {
        var o = Options(app, store, progress, null);
        var l = lease ?? o.Lease;
        return new(new RunOptions
        {
            Store = o.Store, Registry = o.Registry, Time = o.Time, Env = o.Env, Aws = o.Aws, LogRoot = o.LogRoot, Progress = o.Progress, Alerts = o.Alerts,
            Lease = l,
            Heartbeat = l < TimeSpan.FromSeconds(3) ? l / 3 : o.Heartbeat,
            ItemLeases = new ItemLeases(store.State, app.Time, l),
            ItemSlots = slots,
        });
    }

    private static RunOptions Options(AppContext app, IRunStore store, Action<RunEvent> progress, string? logRoot) => new()
    {
        Store = store,
        Registry = Registry(app),
        Time = app.Time,
        Env = app.Env,
        Aws = Aws(app),
        LogRoot = logRoot ?? app.LogRoot,
        Progress = progress,
        Alerts = new WebhookAlerts(Http, app.Warn),
    };
}
