using System.Globalization;
using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Application.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Running;
using Dativo.Ingestion.Secrets;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Tasks;

namespace Dativo.Application.Pipelines;

/// <summary>
/// <c>type: job</c>: runs a Dativo job file (templated, relative to the pipeline file, e.g. <c>jobs/{{ dataset }}.yaml</c>)
/// in-process through the ingestion runner, with the same warehouse, state store and secrets as <c>dativo run</c> in the
/// working directory: <c>working_dir</c> (relative to the pipeline file) when set, else the host's working directory (the
/// CLI's current directory, <c>dativo serve</c>'s base folder) — where <c>dativo run</c> there would run it, whatever
/// the process's own current directory. Outputs: <c>rows_read</c>, <c>rows_written</c>, <c>rows_rejected</c>,
/// <c>snapshot_id</c> (empty when there was no new data), <c>table</c>, <c>files</c>, <c>exit_code</c>. The task's <c>env:</c> values
/// (templated) reach the job file's <c>${VAR}</c> substitution. Fails on a job error or
/// on records rejected in strict mode; cancellation (timeout, Ctrl-C) stops the job before its commit.
/// </summary>
internal sealed class JobTaskExecutor(string? hostWorkDir = null) : ITaskExecutor
{
    public void Validate(TaskDefinition task, TaskIssues issues)
    {
        if (string.IsNullOrWhiteSpace(task.Job)) issues.Error("", "a job task needs job: <job file>, e.g. jobs/{{ dataset }}.yaml");
        if (task.Command is not null) issues.Error("command", "'command' does not apply to a job task");
        if (task.Pipeline is not null) issues.Error("pipeline", "'pipeline' does not apply to a job task");
    }

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(inv.LogPath)!);
        await using var log = new StreamWriter(inv.LogPath, append: false) { AutoFlush = true };
        string file, workDir;
        try
        {
            file = inv.ResolvePath(inv.Task.Job!, "job");
            workDir = inv.Task.WorkingDir is { } wd ? inv.ResolvePath(wd, "working_dir") : hostWorkDir ?? Environment.CurrentDirectory;
        }
        catch (DativoException e) { return Fail(log, e.Message); }
        var secrets = new SecretResolver(inv.Env, inv.Env("DATIVO_SECRETS_DIR") ?? Path.Combine(workDir, "secrets"));
        Func<string, string?> env;
        try { env = JobEnvironment(inv); }
        catch (DativoException e) { return Fail(log, e.Message); }
        LoadedJob job;
        try { job = JobLoader.Load(file, env, RunMode.SelfHosted); }
        catch (ConfigException e) { return Fail(log, $"job file {file} is invalid: {string.Join("; ", e.Issues)}"); }
        catch (DativoException e) { return Fail(log, e.Message); }

        await log.WriteLineAsync($"job {job.Name} ({file}), working directory {workDir}").ConfigureAwait(false);
        var state = JobSession.OpenState(workDir, inv.Env, inv.Time);
        JobResult r;
        try
        {
            r = await JobRunner.RunAsync(job, new RunOptions { WorkDir = workDir, Time = inv.Time, State = state, Secrets = secrets, Env = env }, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Fail(log, secrets.Redact(e is DativoException ? e.Message : $"{e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            if (state is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
        }

        var outputs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["rows_read"] = N(r.RowsRead),
            ["rows_written"] = N(r.RowsWritten),
            ["rows_rejected"] = N(r.Rejected),
            ["snapshot_id"] = r.SnapshotId ?? "",
            ["table"] = r.Table,
            ["files"] = N(r.Files),
            ["exit_code"] = N(r.ExitCode),
        };
        await log.WriteLineAsync(string.Join(" ", outputs.Select(kv => $"{kv.Key}={kv.Value}"))).ConfigureAwait(false);
        if (r.Quarantine is not null) await log.WriteLineAsync($"quarantine: {r.Quarantine}").ConfigureAwait(false);
        return r.ExitCode == 2
            ? TaskOutcome.Failed(r.Error ?? $"{N(r.Rejected)} record(s) rejected (strict mode); see {r.Quarantine}", outputs)
            : TaskOutcome.Ok(outputs);
    }

    /// <summary>
    /// The job's environment: the task's <c>env:</c> (templated, e.g. <c>DAY: "{{ outputs.list.date }}"</c>) over the process's.
    /// The job reads them as <c>${DAY}</c>, substituted inside one YAML scalar after parsing, so a value never changes
    /// the job file's structure.
    /// </summary>
    private static Func<string, string?> JobEnvironment(TaskInvocation inv)
    {
        if (inv.Task.Env is not { Count: > 0 } vars) return inv.Env;
        var rendered = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in vars) rendered[name] = inv.Render(value);
        return name => rendered.TryGetValue(name, out var v) ? v : inv.Env(name);
    }

    private static TaskOutcome Fail(StreamWriter log, string message)
    {
        log.WriteLine("error: " + message);
        return TaskOutcome.Failed(message);
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
}
