using Dativo.Core.Text;

namespace Dativo.Orchestration.Pipelines;

/// <summary>
/// <c>relaunch: {max_retries, backoff, steps_not_to_retry}</c>: a failed step runs again up to <c>max_retries</c> times in
/// the same run (the steps before it stay done), except the steps listed, which fail the run at once. This is what seed
/// 003's relauncher meant to do (relaunch from the failed step while the run counter is within MAX_RETRY_COUNT and the
/// step is not in STEPS_TO_NOT_RETRY) and could not: here it is the engine's per-task retry, so nothing can drop the payload.
/// </summary>
internal static class Relaunch
{
    public static IReadOnlyList<TaskDefinition> Apply(PipelineDefinition def, List<TaskDefinition> order, PipelineLoader.Issues issues)
    {
        if (def.Relaunch is not { } r) return order;
        var names = order.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < r.StepsNotToRetry.Count; i++)
            if (!names.Contains(r.StepsNotToRetry[i]))
                issues.Error($"relaunch.steps_not_to_retry[{i}]", $"unknown task '{r.StepsNotToRetry[i]}'{NearMiss.Hint(r.StepsNotToRetry[i], names)}; tasks: {string.Join(", ", names)}");
        if (r.MaxRetries == 0) return order;
        return [.. order.Select(t => t.Retry is not null || r.StepsNotToRetry.Contains(t.Name)
            ? t
            : t with { Retry = new RetryDefinition { MaxAttempts = r.MaxRetries + 1, Backoff = r.Backoff, Multiplier = 1 } })];
    }
}
