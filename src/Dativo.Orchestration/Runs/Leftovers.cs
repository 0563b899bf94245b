using Dativo.Core.Errors;
using Dativo.Orchestration.Tasks;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// Processes that attempts of a run left behind when its orchestrator died (attempts still marked running whose handle
/// names a process). Children normally die with the orchestrator (<see cref="ChildLauncher"/>); this is the check that
/// holds when that did not happen, so an item never runs while its previous attempt still does.
/// </summary>
internal static class Leftovers
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static async Task StopAsync(IRunStore store, RunRecord run, CancellationToken ct)
    {
        foreach (var task in run.Tasks.Keys)
        {
            var items = await store.GetItemsAsync(run.RunId, task, ct);
            foreach (var item in items.Values)
            {
                foreach (var attempt in item.Attempts.Where(a => a.Outcome == RunStatus.Running))
                {
                    if (ProcessKiller.Parse(attempt.Handle) is not { } id || await ProcessKiller.StopAsync(id, Patience, ct)) continue;
                    throw new DativoException($"run {run.RunId}: attempt {attempt.Number} of task {task}{(item.Dataset is null ? "" : $" [{item.Dataset}]")} " +
                        $"left process {id.Pid} running and it could not be stopped ({Patience.TotalSeconds:0} s after SIGKILL); " +
                        "nothing was started again — stop it, then run again");
                }
            }
        }
    }
}
