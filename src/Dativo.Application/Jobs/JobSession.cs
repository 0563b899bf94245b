using Dativo.Application.Pipelines;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Running;
using Dativo.Ingestion.Secrets;
using Dativo.Lake.State;
using Dativo.Orchestration.Runs;

namespace Dativo.Application.Jobs;

/// <summary>
/// Runs validated jobs of one working directory, one at a time: the ingestion state store, the run history (every job is
/// recorded as a run of pipeline <c>job:&lt;tenant&gt;/&lt;job&gt;</c>) and the secrets are opened once for the session.
/// A job's failure is its result, never an exception: the caller decides how to show it.
/// </summary>
public sealed class JobSession : IAsyncDisposable
{
    private readonly AppContext _app;
    private readonly IStateStore _state;
    private readonly IRunStore _history;

    private JobSession(AppContext app, IStateStore state, IRunStore history, SecretResolver secrets)
    {
        _app = app;
        _state = state;
        _history = history;
        Secrets = secrets;
    }

    /// <summary>Redacts every secret a job resolved; for anything shown to a user.</summary>
    public SecretResolver Secrets { get; }

    /// <summary>Opens the session's stores; <paramref name="secretsDir"/> defaults to DATIVO_SECRETS_DIR, else ./secrets.</summary>
    public static JobSession Open(AppContext app, string? secretsDir = null)
    {
        var state = OpenState(app.WorkDir, app.Env, app.Time);
        var history = PipelineHost.OpenRunStore(app, null);
        return new JobSession(app, state, history, new SecretResolver(app.Env, app.SecretsDirectory(secretsDir)));
    }

    /// <summary>The ingestion state store: DATIVO_STATE_URI, else SQLite under <c>&lt;workDir&gt;/.local/state</c>.</summary>
    public static IStateStore OpenState(string workDir, Func<string, string?> env, TimeProvider time)
    {
        var stateDir = Path.Combine(workDir, ".local", "state");
        Directory.CreateDirectory(stateDir);
        return StateStores.Open(new StateStoreOptions { Uri = env("DATIVO_STATE_URI"), Directory = stateDir, Time = time });
    }

    /// <summary>The result of a job that was not started because a stop was requested before its turn.</summary>
    public static JobResult NotStarted(LoadedJob job) =>
        new() { Job = job.Name, Tenant = job.Config.TenantId, Cancelled = true, Error = "not started: stop requested" };

    /// <summary>
    /// Runs one job. Its JSON-lines events go to the run history's log of the job (always) and to <paramref name="events"/>
    /// when given; <paramref name="progress"/> sees its progress. A stop before the commit gives a cancelled result (a started
    /// commit is never cancelled); any other failure a failed one, with secrets redacted.
    /// </summary>
    public async Task<JobResult> RunAsync(LoadedJob job, TextWriter? events, IRunProgress? progress, CancellationToken ct)
    {
        var recorder = await JobRunRecorder.StartAsync(_history, job, _app.LogRoot, _app, ct).ConfigureAwait(false);
        TextWriter[] sinks = [.. events is null ? Array.Empty<TextWriter>() : [events], .. recorder is null ? Array.Empty<TextWriter>() : [recorder.Log]];
        var log = new JobEventLog(sinks, _app.Time, Secrets);
        IRunProgress logProgress = new LogProgress(log);
        var both = progress is null ? logProgress : new BothProgress(progress, logProgress);
        log.Write("job_started", job.Name, new() { ["tenant"] = job.Config.TenantId, ["source"] = job.SourceRecipe.Type, ["target"] = job.TargetFormat, ["run_id"] = recorder?.RunId });
        var started = _app.Time.GetTimestamp();
        JobResult r;
        try
        {
            r = await JobRunner.RunAsync(job, new Ingestion.Running.RunOptions { WorkDir = _app.WorkDir, Time = _app.Time, State = _state, Secrets = Secrets, Env = _app.Env, Progress = both }, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopped before the commit (a started commit is never cancelled): nothing of this run is in the table
            r = new JobResult { Job = job.Name, Tenant = job.Config.TenantId, Cancelled = true, Error = "stopped before its commit: nothing committed", Duration = _app.Time.GetElapsedTime(started) };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var msg = Secrets.Redact(e is DativoException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            r = new JobResult { Job = job.Name, Tenant = job.Config.TenantId, Error = msg, Duration = _app.Time.GetElapsedTime(started) };
        }
        log.Write(r.Cancelled ? "job_cancelled" : r.Error is null ? "job_finished" : "job_failed", job.Name, new()
        {
            ["rows_read"] = r.RowsRead, ["rows_written"] = r.RowsWritten, ["rejected"] = r.Rejected, ["files"] = r.Files,
            ["snapshot_id"] = r.SnapshotId, ["quarantine"] = r.Quarantine, ["no_new_data"] = r.NoNewData,
            ["duration_s"] = Math.Round(r.Duration.TotalSeconds, 3), ["exit_code"] = r.ExitCode, ["error"] = r.Error,
            ["warning"] = r.Warning, ["bulk_files"] = r.Bulk.Files, ["row_path_files"] = r.Bulk.RowPathReasons.Count == 0 ? null : r.Bulk.RowPathReasons,
        });
        if (recorder is not null) await recorder.FinishAsync(r).ConfigureAwait(false);
        return r;
    }

    public async ValueTask DisposeAsync()
    {
        if (_state is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
        if (_history is StateStoreRunStore { State: IAsyncDisposable h }) await h.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class BothProgress(IRunProgress a, IRunProgress b) : IRunProgress
    {
        public void Report(string job, long rowsRead, long rowsWritten, long bytes, long totalBytes)
        {
            a.Report(job, rowsRead, rowsWritten, bytes, totalBytes);
            b.Report(job, rowsRead, rowsWritten, bytes, totalBytes);
        }
    }

    /// <summary>A progress event every million rows read.</summary>
    private sealed class LogProgress(JobEventLog log) : IRunProgress
    {
        private long _next;

        public void Report(string job, long rowsRead, long rowsWritten, long bytes, long totalBytes)
        {
            if (rowsRead < _next) return;
            _next = rowsRead + 1_000_000;
            log.Write("progress", job, new() { ["rows_read"] = rowsRead, ["rows_written"] = rowsWritten, ["bytes"] = bytes, ["total_bytes"] = totalBytes });
        }
    }
}
