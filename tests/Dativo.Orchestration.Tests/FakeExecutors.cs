using System.Collections.Concurrent;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Tasks;

namespace Dativo.Orchestration.Tests;

/// <summary>A task type driven by the test: per dataset, a script of outcomes ("ok", "fail", "hang").</summary>
internal sealed class ScriptedExecutor(TimeProvider time) : ITaskExecutor
{
    public ConcurrentDictionary<string, ConcurrentQueue<string>> Script { get; } = new();
    public ConcurrentQueue<(string Key, DateTimeOffset Start, string Outcome)> Calls { get; } = new();
    public ConcurrentQueue<string> CancelledKeys { get; } = new();

    public void Validate(TaskDefinition task, TaskIssues issues) { }

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        var key = inv.Dataset ?? inv.Task.Name;
        var outcome = Script.TryGetValue(key, out var q) && q.TryDequeue(out var o) ? o : "ok";
        Calls.Enqueue((key, time.GetUtcNow(), outcome));
        switch (outcome)
        {
            case "fail":
                return TaskOutcome.Failed("scripted failure");
            case "hang":
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, time, ct);
                }
                catch (OperationCanceledException)
                {
                    CancelledKeys.Enqueue(key);
                    throw;
                }
                return TaskOutcome.Ok();
            default:
                return TaskOutcome.Ok(new Dictionary<string, string> { ["dataset"] = key });
        }
    }
}
