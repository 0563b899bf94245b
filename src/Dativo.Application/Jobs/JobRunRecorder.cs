using System.Globalization;
using System.Text.Json;
using Dativo.Core.Config.Jobs;
using Dativo.Ingestion.Running;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;

namespace Dativo.Application.Jobs;

/// <summary>
/// Records one plain <c>dativo run</c> job in the run history (the same store as pipeline runs) as a run of pipeline
/// <c>job:&lt;tenant&gt;/&lt;job&gt;</c> with one task and one attempt whose log is the job's JSON-lines events, so
/// <c>runs list|show|logs</c> cover it. Four small writes per job (run and item, at start and end), none per batch.
/// History is a record, not part of the job: a store that cannot be written costs a warning, never the job.
/// </summary>
internal sealed class JobRunRecorder
{
    public const string TaskName = "ingest";
    private static readonly TimeSpan Ttl = TimeSpan.FromDays(7);

    private readonly IRunStore _store;
    private readonly RunRecord _run;
    private readonly ItemRecord _item;
    private readonly AppContext _ctx;

    private JobRunRecorder(IRunStore store, RunRecord run, ItemRecord item, StreamWriter log, AppContext ctx)
    {
        _store = store;
        _run = run;
        _item = item;
        _ctx = ctx;
        Log = log;
    }

    /// <summary>The attempt's log file; the job's events are written to it as they happen.</summary>
    public StreamWriter Log { get; }

    public string RunId => _run.RunId;

    public static string PipelineOf(LoadedJob job) => $"job:{job.Config.TenantId}/{job.Name}";

    public static async Task<JobRunRecorder?> StartAsync(IRunStore store, LoadedJob job, string logRoot, AppContext ctx, CancellationToken ct)
    {
        StreamWriter? log = null;
        try
        {
            var now = ctx.Time.GetUtcNow();
            var pipeline = PipelineOf(job);
            var correlation = RunEngine.NewCorrelationId(ctx.Time);
            var runId = RunKeys.Of(pipeline, correlation);
            var logPath = Path.GetFullPath(Path.Combine(logRoot, Safe(pipeline), correlation, TaskName, "task.1.log"));
            Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
            log = new StreamWriter(new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            var run = new RunRecord
            {
                RunId = runId, Pipeline = pipeline, CorrelationId = correlation, Kind = "job", RunCounter = 1,
                PipelineFile = Path.GetFullPath(job.File), Status = RunStatus.Running, CurrentStep = TaskName,
                ExportDate = now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                CreatedAt = now, StartedAt = now, Owner = RunOwnership.Me(ctx.Time),
                Tasks = { [TaskName] = new TaskRecord { Status = RunStatus.Running, StartedAt = now } },
            };
            var item = new ItemRecord
            {
                Status = RunStatus.Running,
                Attempts = [new AttemptRecord { Number = 1, RunCounter = 1, IdempotencyKey = runId, StartedAt = now, Log = logPath }],
            };
            if (!await store.TryPutRunAsync(run, Ttl, ct).ConfigureAwait(false))
                throw new InvalidOperationException($"run {runId} exists already");
            await store.PutItemChunkAsync(runId, TaskName, 0, [JsonSerializer.Serialize(item, StateStoreRunStore.Json)], Ttl, ct).ConfigureAwait(false);
            return new JobRunRecorder(store, run, item, log, ctx);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (log is not null) await log.DisposeAsync().ConfigureAwait(false);
            ctx.Warn($"{job.Name}: not recorded in the run history: {e.Message}");
            return null;
        }
    }

    /// <summary>The job's outcome: status, end time, rows and snapshot as the task's outputs.</summary>
    public async Task FinishAsync(JobResult r)
    {
        await Log.DisposeAsync().ConfigureAwait(false);
        var now = _ctx.Time.GetUtcNow();
        var (status, error) = r.Cancelled ? (RunStatus.Cancelled, r.Error)
            : r.Error is not null ? (RunStatus.Failed, r.Error)
            : r.ExitCode >= 2 ? (RunStatus.Failed, $"{r.Rejected} rejected record(s) (strict); quarantine {r.Quarantine}")
            : (RunStatus.Succeeded, null);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["table"] = r.Table,
            ["rows_read"] = I(r.RowsRead),
            ["rows_written"] = I(r.RowsWritten),
            ["rejected"] = I(r.Rejected),
            ["files"] = I(r.Files),
            ["exit_code"] = I(r.ExitCode),
            ["no_new_data"] = r.NoNewData ? "true" : "false",
        };
        if (r.SnapshotId is not null) outputs["snapshot_id"] = r.SnapshotId;
        if (r.Quarantine is not null) outputs["quarantine"] = r.Quarantine;
        if (r.Warning is not null) outputs["warning"] = r.Warning;

        var attempt = _item.Attempts[0];
        attempt.EndedAt = now;
        attempt.Outcome = status;
        attempt.Error = error;
        _item.Status = status;
        _item.Error = error;
        _item.Outputs = outputs;
        var task = _run.Tasks[TaskName];
        task.Status = status;
        task.EndedAt = now;
        task.Error = error;
        task.Outputs = outputs;
        _run.Status = status;
        _run.EndedAt = now;
        _run.Error = error is null ? null : $"task {TaskName}: {error}";
        try
        {
            await _store.PutItemChunkAsync(_run.RunId, TaskName, 0, [JsonSerializer.Serialize(_item, StateStoreRunStore.Json)], Ttl, CancellationToken.None).ConfigureAwait(false);
            if (!await _store.TryPutRunAsync(_run, Ttl, CancellationToken.None).ConfigureAwait(false))
                throw new InvalidOperationException($"run {_run.RunId} was changed by another process");
        }
        catch (Exception e)
        {
            _ctx.Warn($"{r.Job}: its outcome was not recorded in the run history: {e.Message}");
        }
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Safe(string s) => string.Concat(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
