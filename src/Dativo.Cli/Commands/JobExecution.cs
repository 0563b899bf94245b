using System.Globalization;
using System.Text.Json;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Running;
using Dativo.Ingestion.Secrets;
using Dativo.Lake.State;
using Dativo.Orchestration.Runs;
using Spectre.Console;

namespace Dativo.Cli.Commands;

/// <summary>
/// Runs validated jobs one after another, isolating failures: progress bars on a terminal (JSON-lines
/// events on stderr otherwise, or with DATIVO_NO_PROGRESS=1), then one summary table — also after a stop signal,
/// saying which jobs committed and which did not. Exit code is the worst job's: 0 ok / no new data, 1 invalid records
/// kept (warn), 2 failure or rejected records (strict), 130 stopped before its commit.
/// </summary>
internal static class JobExecution
{
    /// <summary>Runs the jobs; <paramref name="secretsDir"/> defaults to DATIVO_SECRETS_DIR, else ./secrets.</summary>
    public static async Task<int> RunAllAsync(IReadOnlyList<LoadedJob> jobs, CliContext ctx, CancellationToken ct, string? secretsDir = null)
    {
        var workDir = Environment.CurrentDirectory;
        var state = OpenState(workDir, ctx.Env, ctx.Time);
        var history = PipelineServices.OpenStore(ctx, null);
        var logRoot = Path.Combine(PipelineServices.StateDirectory(ctx), "logs");
        var secrets = new SecretResolver(ctx.Env, secretsDir ?? ctx.Env("DATIVO_SECRETS_DIR") ?? Path.Combine(workDir, "secrets"));
        var tty = ctx.Env("DATIVO_NO_PROGRESS") != "1" && ReferenceEquals(ctx.Err, Console.Error) && !Console.IsErrorRedirected;
        var env = new Env(workDir, state, history, logRoot, secrets, ctx);
        var results = new List<JobResult>();
        try
        {
            if (tty)
            {
                await AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                    .StartAsync(async p =>
                    {
                        foreach (var job in jobs)
                        {
                            if (ct.IsCancellationRequested) { results.Add(NotStarted(job)); continue; }
                            var task = p.AddTask(Markup.Escape(job.Name), maxValue: 1);
                            results.Add(await RunOneAsync(job, env, task, ct).ConfigureAwait(false));
                            task.Value = task.MaxValue;
                            task.StopTask();
                        }
                    }).ConfigureAwait(false);
            }
            else
            {
                foreach (var job in jobs)
                    results.Add(ct.IsCancellationRequested ? NotStarted(job) : await RunOneAsync(job, env, null, ct).ConfigureAwait(false));
            }
        }
        finally
        {
            if (state is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
            if (history is StateStoreRunStore { State: IAsyncDisposable h }) await h.DisposeAsync().ConfigureAwait(false);
        }
        await PrintSummaryAsync(results, ctx, tty).ConfigureAwait(false);
        return results.Count == 0 ? 0 : results.Max(r => r.ExitCode);
    }

    private sealed record Env(string WorkDir, IStateStore State, IRunStore History, string LogRoot, SecretResolver Secrets, CliContext Ctx);

    private static JobResult NotStarted(LoadedJob job) =>
        new() { Job = job.Name, Tenant = job.Config.TenantId, Cancelled = true, Error = "not started: stop requested" };

    /// <summary>The ingestion state store: DATIVO_STATE_URI, else SQLite under <c>&lt;workDir&gt;/.local/state</c>.</summary>
    public static IStateStore OpenState(string workDir, Func<string, string?> env, TimeProvider time)
    {
        var stateDir = Path.Combine(workDir, ".local", "state");
        Directory.CreateDirectory(stateDir);
        return StateStores.Open(new StateStoreOptions { Uri = env("DATIVO_STATE_URI"), Directory = stateDir, Time = time });
    }

    /// <summary>
    /// One job: its JSON-lines events go to the run history's log of the job (always) and to stderr (without a
    /// terminal); <paramref name="bar"/> is its progress bar on a terminal.
    /// </summary>
    private static async Task<JobResult> RunOneAsync(LoadedJob job, Env env, ProgressTask? bar, CancellationToken ct)
    {
        var (workDir, state, secrets, ctx) = (env.WorkDir, env.State, env.Secrets, env.Ctx);
        var recorder = await JobRunRecorder.StartAsync(env.History, job, env.LogRoot, ctx, ct).ConfigureAwait(false);
        TextWriter[] sinks = [.. bar is null ? [ctx.Err] : Array.Empty<TextWriter>(), .. recorder is null ? Array.Empty<TextWriter>() : [recorder.Log]];
        var log = new JsonLog(sinks, ctx.Time, secrets);
        IRunProgress progress = bar is null ? new LogProgress(log) : new BothProgress(new BarProgress(bar), new LogProgress(log));
        log.Write("job_started", job.Name, new() { ["tenant"] = job.Config.TenantId, ["source"] = job.SourceRecipe.Type, ["target"] = job.TargetFormat, ["run_id"] = recorder?.RunId });
        var started = ctx.Time.GetTimestamp();
        JobResult r;
        try
        {
            r = await JobRunner.RunAsync(job, new Dativo.Ingestion.Running.RunOptions { WorkDir = workDir, Time = ctx.Time, State = state, Secrets = secrets, Env = ctx.Env, Progress = progress }, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopped before the commit (a started commit is never cancelled): nothing of this run is in the table
            r = new JobResult { Job = job.Name, Tenant = job.Config.TenantId, Cancelled = true, Error = "stopped before its commit: nothing committed", Duration = ctx.Time.GetElapsedTime(started) };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var msg = secrets.Redact(e is DativoException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            r = new JobResult { Job = job.Name, Tenant = job.Config.TenantId, Error = msg, Duration = ctx.Time.GetElapsedTime(started) };
            if (bar is not null) await ctx.Err.WriteLineAsync($"error: {job.Name}: {msg}").ConfigureAwait(false);
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

    private static async Task PrintSummaryAsync(List<JobResult> results, CliContext ctx, bool tty)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(ctx.Out),
            Ansi = tty ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = tty ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!tty) console.Profile.Width = 200;
        var table = new Table().Border(tty ? TableBorder.Rounded : TableBorder.Ascii)
            .AddColumns("job", "table", "rows in", "written", "rejected", "files", "snapshot", "duration", "rows/s", "status");
        foreach (var r in results)
        {
            var status = r.Cancelled ? "cancelled: " + r.Error
                : r.Error is not null ? "failed: " + r.Error
                : r.NoNewData ? "no new data"
                : r.Rejected > 0 ? (r.WarnMode ? "ok, invalid values kept (warn)" : "rejected records") + $"; quarantine {r.Quarantine}"
                : "ok";
            if (r.Warning is not null) status += "; warning: " + r.Warning;
            table.AddRow(Markup.Escape(r.Job), Markup.Escape(r.Table), N(r.RowsRead), N(r.RowsWritten), N(r.Rejected), N(r.Files),
                Markup.Escape(r.SnapshotId ?? "-"), r.Duration.TotalSeconds.ToString("0.0s", CultureInfo.InvariantCulture),
                N((long)r.RowsPerSecond), Markup.Escape(status));
        }
        console.Write(table);
        await ctx.Out.FlushAsync().ConfigureAwait(false);
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private sealed class BarProgress(ProgressTask task) : IRunProgress
    {
        public void Report(string job, long rowsRead, long rowsWritten, long bytes, long totalBytes)
        {
            if (totalBytes > 0) { task.MaxValue = totalBytes; task.Value = Math.Min(bytes, totalBytes); }
            task.Description = Markup.Escape($"{job}: {rowsRead:N0} read, {rowsWritten:N0} written, {bytes / 1048576.0:0.0} MiB");
        }
    }

    private sealed class BothProgress(IRunProgress a, IRunProgress b) : IRunProgress
    {
        public void Report(string job, long rowsRead, long rowsWritten, long bytes, long totalBytes)
        {
            a.Report(job, rowsRead, rowsWritten, bytes, totalBytes);
            b.Report(job, rowsRead, rowsWritten, bytes, totalBytes);
        }
    }

    private sealed class LogProgress(JsonLog log) : IRunProgress
    {
        private long _next;

        public void Report(string job, long rowsRead, long rowsWritten, long bytes, long totalBytes)
        {
            if (rowsRead < _next) return;
            _next = rowsRead + 1_000_000;
            log.Write("progress", job, new() { ["rows_read"] = rowsRead, ["rows_written"] = rowsWritten, ["bytes"] = bytes, ["total_bytes"] = totalBytes });
        }
    }

    /// <summary>JSON-lines events (on stderr, in the run history's log); every string passes through secret redaction.</summary>
    private sealed class JsonLog(IReadOnlyList<TextWriter> sinks, TimeProvider time, SecretResolver secrets)
    {
        private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public void Write(string evt, string job, Dictionary<string, object?> fields)
        {
            var o = new Dictionary<string, object?> { ["ts"] = CliFormat.InstantPrecise(time.GetUtcNow()), ["level"] = evt == "job_failed" ? "error" : "info", ["event"] = evt, ["job"] = job };
            foreach (var (k, v) in fields) if (v is not null) o[k] = v switch
            {
                string s => secrets.Redact(s),
                IEnumerable<string> list => list.Select(secrets.Redact).ToList(),
                _ => v,
            };
            var line = JsonSerializer.Serialize(o, JsonOptions);
            foreach (var sink in sinks)
                lock (sink) sink.WriteLine(line);
        }
    }
}
