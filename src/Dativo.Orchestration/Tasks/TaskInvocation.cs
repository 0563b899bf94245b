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

    /// <summary>The value of a template reference for this item (e.g. "dataset", "outputs.a.b"), or null when it is not defined.</summary>
    public required Func<string, string?> Resolve { get; init; }

    /// <summary>Renders a template string with this item's variables, as plain text (not for paths, SQL or program text).</summary>
    public string Render(string text) => Template.Render(text, Resolve);

    /// <summary>Whether a reference's value comes from data (the item, outputs, parameters a parent filled from them).</summary>
    public bool IsData(string reference) => Template.IsData(reference, Pipeline.DataParams);

    /// <summary>Renders a path setting; a value from data may not leave the folder the text before it names (see <see cref="TemplatePaths"/>).</summary>
    public string RenderPath(string text, string setting) => TemplatePaths.Render(text, Resolve, IsData, setting);

    /// <summary>Renders a path setting and resolves it against the pipeline's folder.</summary>
    public string ResolvePath(string text, string setting) => Pipeline.Resolve(RenderPath(text, setting));

    /// <summary>Renders SQL; every value is quoted for where it stands or refused (see <see cref="SqlTemplate"/>).</summary>
    public string RenderSql(string text, string setting) => SqlTemplate.Render(text, Resolve, setting);

    /// <summary>Durably records a handle of submitted work (job run id, pid) before waiting for it.</summary>
    public required Func<string, CancellationToken, Task> RecordHandleAsync { get; init; }

    /// <summary>Raises a warning while the run goes on (e.g. a file quarantined): sent to the pipeline's alerts with <c>on: [warning]</c>.</summary>
    public Func<string, CancellationToken, Task> WarnAsync { get; init; } = (_, _) => System.Threading.Tasks.Task.CompletedTask;

    /// <summary>Runs a sub-pipeline as a child run (for the pipeline task type): file, params, names of the params filled from data, correlation id.</summary>
    public Func<string, IReadOnlyDictionary<string, string>, IReadOnlySet<string>, string, CancellationToken, Task<TaskOutcome>>? RunChildPipelineAsync { get; init; }
}

/// <summary>The run an attempt belongs to. <paramref name="StartDate"/> is the date the run was started for explicitly (a backfill
/// day, an arrival date), null for a run given only an export date.</summary>
public sealed record RunContext(string Pipeline, string CorrelationId, int RunCounter, string? ExportDate, IReadOnlyDictionary<string, string> Params, string? StartDate = null)
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
