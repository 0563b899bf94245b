using System.Diagnostics;
using System.Globalization;
using Dativo.Lake.State;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;

// 10,000-item no-op fan-out with the SQLite store, against the same items run by a bare Parallel.ForEachAsync
// in the same process. Prints the scheduling overhead per item and peak memory; no thresholds are asserted.
var items = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
var dir = Path.Combine(Path.GetTempPath(), "dativo-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(dir);
try
{
    var names = Enumerable.Range(0, items).Select(i => $"ds-{i:D5}").ToList();
    File.WriteAllText(Path.Combine(dir, "datasets.json"), System.Text.Json.JsonSerializer.Serialize(names));
    File.WriteAllText(Path.Combine(dir, "bench.yaml"), $$"""
        name: bench
        tasks:
          - name: fan
            type: noop
            concurrency: {{concurrency}}
            foreach: {sources: [{file: datasets.json}]}
          - name: summarize
            type: noop
            depends_on: [fan]
            trigger_rule: all_done
        """);
    var noop = new NoopExecutor();

    // Baseline: the same work, no orchestration.
    var sw = Stopwatch.StartNew();
    await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (n, ct) => await NoopExecutor.Work(ct));
    var baseline = sw.Elapsed;

    var registry = TaskTypeRegistry.CreateDefault();
    registry.Register("noop", noop);
    var pipeline = PipelineLoader.Load(Path.Combine(dir, "bench.yaml"), registry, _ => null);
    var store = new StateStoreRunStore(StateStores.Open(new StateStoreOptions { Directory = dir }));
    var engine = new RunEngine(new RunOptions { Store = store, Registry = registry, LogRoot = Path.Combine(dir, "logs"), Env = _ => null });
    var allocated = GC.GetTotalAllocatedBytes();
    sw.Restart();
    var run = await engine.RunAsync(pipeline, new RunRequest("bench-1"), CancellationToken.None);
    var orchestrated = sw.Elapsed;
    allocated = GC.GetTotalAllocatedBytes() - allocated;
    using var me = Process.GetCurrentProcess();
    me.Refresh();

    var perItemMs = (orchestrated - baseline).TotalMilliseconds / items;
    Console.WriteLine(FormattableString.Invariant($"items={items} concurrency={concurrency} status={run.Status} executed={noop.Count}"));
    Console.WriteLine(FormattableString.Invariant($"baseline Parallel.ForEachAsync: {baseline.TotalMilliseconds:0} ms"));
    Console.WriteLine(FormattableString.Invariant($"orchestrator (SQLite store):    {orchestrated.TotalMilliseconds:0} ms"));
    Console.WriteLine(FormattableString.Invariant($"scheduling overhead per item:   {perItemMs:0.000} ms (goal < 0.5 ms)"));
    Console.WriteLine(FormattableString.Invariant($"ratio orchestrator/baseline:    {orchestrated.TotalMilliseconds / Math.Max(1, baseline.TotalMilliseconds):0.0}x"));
    Console.WriteLine(FormattableString.Invariant($"peak working set:               {me.PeakWorkingSet64 / 1048576.0:0} MiB; allocated during the run {allocated / 1048576.0:0} MiB"));
    Console.WriteLine(FormattableString.Invariant($"state db size:                  {new FileInfo(Path.Combine(dir, "state.db")).Length / 1048576.0:0.0} MiB (+ WAL)"));
}
finally
{
    try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
}

internal sealed class NoopExecutor : ITaskExecutor
{
    private int _count;

    public int Count => _count;

    public static async Task Work(CancellationToken ct) => await Task.Yield();

    public void Validate(TaskDefinition task, TaskIssues issues) { }

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation invocation, CancellationToken ct)
    {
        await Work(ct);
        Interlocked.Increment(ref _count);
        return TaskOutcome.Ok();
    }
}
