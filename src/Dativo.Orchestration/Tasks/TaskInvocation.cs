using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>One attempt of one task item, with everything an executor may need.</summary>
public sealed class TaskInvocation
{
    public required TaskDefinition Task { get; init; }
    public required LoadedPipeline Pipeline { get; init; }

    /// <summary>The foreach item, or null for a plain task.</summary>
    public string? Dataset { get; init; }

    public required int Attempt { get; init; }

    /// <summary>Stable per (run, task, item, run counter, attempt): pass it to remote APIs as the client token so a retry never submits twice.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>The handle a previous, interrupted attempt of this item recorded (e.g. a job run id or a pid), to re-attach or clean up.</summary>
    public string? PreviousHandle { get; init; }

    /// <summary>Where the attempt's log goes (the executor writes it).</summary>
    public required string LogPath { get; init; }

    public required RunContext Run { get; init; }

    public required Func<string, string?> Env { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>Renders a template string with this item's variables.</summary>
    public required Func<string, string> Render { get; init; }

    /// <summary>Durably records a handle of submitted work (job run id, pid) before waiting for it.</summary>
    public required Func<string, CancellationToken, Task> RecordHandleAsync { get; init; }

    /// <summary>Runs a sub-pipeline as a child run (for the pipeline task type).</summary>
    public Func<string, IReadOnlyDictionary<string, string>, string, CancellationToken, Task<TaskOutcome>>? RunChildPipelineAsync { get; init; }
}

/// <summary>The run an attempt belongs to.</summary>
public sealed record RunContext(string Pipeline, string CorrelationId, int RunCounter, string? ExportDate, IReadOnlyDictionary<string, string> Params)
{
    public string RunId => RunKeys.Of(Pipeline, CorrelationId);
}

public static class RunKeys
{
    public static string Of(string pipeline, string correlationId) => $"{pipeline}/{correlationId}";

    public static (string Pipeline, string CorrelationId)? Split(string runId)
    {
        var i = runId.IndexOf('/', StringComparison.Ordinal);
        return i <= 0 ? null : (runId[..i], runId[(i + 1)..]);
    }
}
