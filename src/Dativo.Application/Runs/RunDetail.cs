using Dativo.Orchestration.Runs;

namespace Dativo.Application.Runs;

/// <summary>A run with every task and its items (the single item of a plain task, or the foreach items), as stored.</summary>
public sealed record RunDetail(RunRecord Run, IReadOnlyList<TaskDetail> Tasks, IReadOnlyList<RunRecord?> Children)
{
    /// <summary>Reads the run's tasks, items and backfill children.</summary>
    public static async Task<RunDetail> LoadAsync(IRunStore store, RunRecord run, CancellationToken ct)
    {
        var tasks = new List<TaskDetail>();
        foreach (var (name, t) in run.Tasks)
            tasks.Add(new TaskDetail(name, t, (await store.GetItemsAsync(run.RunId, name, ct).ConfigureAwait(false)).Values.OrderBy(i => i.Index).ToList()));
        var children = new List<RunRecord?>();
        if (run.Kind == "backfill")
            foreach (var c in run.Children) children.Add(await store.GetRunAsync(c, ct).ConfigureAwait(false));
        return new RunDetail(run, tasks, children);
    }
}

/// <summary>A task of a run: its record and its items in index order.</summary>
public sealed record TaskDetail(string Name, TaskRecord Task, IReadOnlyList<ItemRecord> Items)
{
    public bool IsForeach => Task.Datasets is not null;
}
