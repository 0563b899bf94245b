using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary><c>type: pipeline</c>: runs another pipeline file as a child run (same state store, own run record).</summary>
internal sealed class SubPipelineExecutor : ITaskExecutor
{
    public void Validate(TaskDefinition task, TaskIssues issues)
    {
        if (string.IsNullOrWhiteSpace(task.Pipeline)) issues.Error("", "a pipeline task needs pipeline: <file>");
        if (task.Command is not null) issues.Error("command", "'command' does not apply to a pipeline task");
    }

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        if (inv.RunChildPipelineAsync is null) return TaskOutcome.Failed("sub-pipelines need the run engine");
        var file = inv.ResolvePath(inv.Task.Pipeline!, "pipeline");
        var parameters = (inv.Task.Params ?? []).ToDictionary(kv => kv.Key, kv => inv.Render(kv.Value), StringComparer.Ordinal);
        // a parameter filled from data stays data in the child, so its paths keep treating it as untrusted
        var dataParams = (inv.Task.Params ?? []).Where(kv => Template.References(kv.Value).Any(r => r.Reference is { } name && inv.IsData(name)))
            .Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var childCorrelation = $"{inv.Run.CorrelationId}.{inv.Task.Name}" + (inv.Dataset is null ? "" : "." + inv.Dataset);
        return await inv.RunChildPipelineAsync(file, parameters, dataParams, childCorrelation, ct);
    }
}
