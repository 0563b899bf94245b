using Dativo.Lake.State;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests;

/// <summary>A temp folder with a SQLite state store, a registry and an engine.</summary>
internal sealed class EngineHarness : IDisposable
{
    public EngineHarness(TimeProvider? time = null, Action<TaskTypeRegistry>? register = null, Func<string, string?>? env = null, string? stateUri = null,
        Func<IRunStore, IRunStore>? wrapStore = null)
    {
        Time = time ?? TimeProvider.System;
        State = StateStores.Open(new StateStoreOptions { Uri = stateUri, Directory = Dir.Path, Time = Time });
        Store = new StateStoreRunStore(State);
        Registry = TaskTypeRegistry.CreateDefault();
        register?.Invoke(Registry);
        Env = env ?? (_ => null);
        Engine = new RunEngine(new RunOptions
        {
            Store = wrapStore?.Invoke(Store) ?? Store, Registry = Registry, Time = Time, Env = Env, LogRoot = Path.Combine(Dir.Path, "logs"),
            Heartbeat = TimeSpan.FromMilliseconds(200),
        });
    }

    public TempDir Dir { get; } = new("dativo-run-");
    public TimeProvider Time { get; }
    public IStateStore State { get; }
    public StateStoreRunStore Store { get; }
    public TaskTypeRegistry Registry { get; }
    public Func<string, string?> Env { get; }
    public RunEngine Engine { get; }

    public LoadedPipeline Load(string yaml, string name = "p.yaml") =>
        PipelineLoader.Load(Dir.File(name, yaml), Registry, Env);

    public Task<RunRecord> RunAsync(LoadedPipeline p, string correlation, CancellationToken ct = default) =>
        Engine.RunAsync(p, new RunRequest(correlation), ct);

    public async Task<List<ItemRecord>> ItemsAsync(string runId, string task) =>
        [.. (await Store.GetItemsAsync(runId, task, default)).Values.OrderBy(i => i.Index)];

    public void Dispose() => Dir.Dispose();
}
