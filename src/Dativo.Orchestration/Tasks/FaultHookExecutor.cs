using Dativo.Core.Faults;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// Wraps every executor while DATIVO_FAULTS is set, so a test can fail (or kill) a named task's attempt:
/// <c>DATIVO_FAULTS=task.load=fail</c> fails every attempt of task <c>load</c>, <c>task.load.attempt1=fail</c> only its first.
/// </summary>
internal sealed class FaultHookExecutor(ITaskExecutor inner) : ITaskExecutor
{
    public void Validate(TaskDefinition task, TaskIssues issues) => inner.Validate(task, issues);

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation invocation, CancellationToken ct)
    {
        foreach (var point in FaultPoints.TaskAttempt(invocation.Task.Name, invocation.Attempt))
            await FaultPoints.HitAsync(point, ct).ConfigureAwait(false);
        return await inner.ExecuteAsync(invocation, ct).ConfigureAwait(false);
    }
}
