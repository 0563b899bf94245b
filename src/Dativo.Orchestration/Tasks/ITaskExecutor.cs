using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// The seam every task type plugs into (command, pipeline, job, sql, generate, emr_serverless, emr_cluster).
/// An executor checks its settings when the pipeline is loaded and runs one attempt of one item.
/// Cancellation of <paramref name="ct"/> (timeout, run cancel, Ctrl-C) must stop the work it started,
/// remote work included, before the returned task completes.
/// </summary>
public interface ITaskExecutor
{
    /// <summary>Checks the type-specific settings of <paramref name="task"/>; report problems through <paramref name="issues"/>.</summary>
    void Validate(TaskDefinition task, TaskIssues issues);

    /// <summary>Runs one attempt. Failures the user can act on are returned as <see cref="TaskOutcome.Failed"/>.</summary>
    Task<TaskOutcome> ExecuteAsync(TaskInvocation invocation, CancellationToken ct);
}

/// <summary>Collects validation problems of one task; key paths are relative to the task (e.g. "command[0]").</summary>
public sealed class TaskIssues(Action<string, string> report)
{
    public void Error(string keyPath, string message) => report(keyPath, message);
}

/// <summary>What one attempt returned. A skipped outcome is neither a success nor a failure: the task had nothing to do
/// (e.g. no files for the day), its reason is the error text, it is not retried, and tasks after it are skipped too.</summary>
public sealed record TaskOutcome(bool Succeeded, IReadOnlyDictionary<string, string> Outputs, string? Error)
{
    public bool Skipped { get; init; }

    public static TaskOutcome Skip(string reason, IReadOnlyDictionary<string, string>? outputs = null) =>
        new(false, outputs ?? new Dictionary<string, string>(), reason) { Skipped = true };

    public static TaskOutcome Ok(IReadOnlyDictionary<string, string>? outputs = null) => new(true, outputs ?? new Dictionary<string, string>(), null);
    public static TaskOutcome Failed(string error, IReadOnlyDictionary<string, string>? outputs = null) => new(false, outputs ?? new Dictionary<string, string>(), error);
}
