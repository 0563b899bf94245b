using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Text;
using Dativo.Orchestration.Runs;

namespace Dativo.Application.Runs;

/// <summary>A run described for people (<see cref="Text"/>) and programs (<see cref="Json"/>), with the exit code its outcome maps to.</summary>
public sealed record RunDescription(JsonObject Json, string Text, int ExitCode)
{
    /// <summary>The run, its tasks with their summaries, and the run summary over all foreach items.</summary>
    public static async Task<RunDescription> BuildAsync(IRunStore store, RunRecord run, TimeProvider time, CancellationToken ct) =>
        Build(await RunDetail.LoadAsync(store, run, ct).ConfigureAwait(false), time.GetUtcNow());

    public static RunDescription Build(RunDetail detail, DateTimeOffset now)
    {
        var run = detail.Run;
        var o = RunQueries.Json(run, now);
        o["resumed_from"] = run.ResumedFrom;
        o["parent_id"] = run.ParentId;
        o["params"] = JsonSerializer.SerializeToNode(run.Params);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"run {run.RunId} #{run.RunCounter}: {run.Status}{(run.Error is null ? "" : " - " + run.Error)}\n");
        text.Append(CultureInfo.InvariantCulture, $"  short id {RunLookup.ShortId(run.RunId)}, started {Instant(run.StartedAt)}, ended {Instant(run.EndedAt)}\n");
        var allItems = new List<ItemRecord>();
        var summaryItems = new List<(string Task, ItemRecord Item)>();
        if (run.Kind == "backfill")
        {
            var children = new JsonArray();
            for (var i = 0; i < run.Children.Count; i++)
            {
                var c = run.Children[i];
                var child = i < detail.Children.Count ? detail.Children[i] : null;
                children.Add(child is null ? new JsonObject { ["run_id"] = c, ["status"] = RunStatus.Pending } : RunQueries.Json(child, now));
                text.Append(CultureInfo.InvariantCulture, $"  {c,-50} {child?.Status ?? RunStatus.Pending}\n");
                if (child?.Status == RunStatus.Succeeded) allItems.Add(new ItemRecord { Status = RunStatus.Succeeded });
            }
            o["children"] = children;
        }
        var tasks = new JsonObject();
        foreach (var td in detail.Tasks)
        {
            var (name, t, items) = (td.Name, td.Task, td.Items);
            allItems.AddRange(items);
            var to = new JsonObject
            {
                ["status"] = t.Status,
                ["started_at"] = IsoTime.Precise(t.StartedAt),
                ["ended_at"] = IsoTime.Precise(t.EndedAt),
                ["error"] = t.Error,
            };
            if (td.IsForeach)
            {
                to["dataset_source"] = t.DatasetSource;
                to["summary"] = RunSummary.Build(items);
                summaryItems.AddRange(items.Select(i => (name, i)));
            }
            else
            {
                to["outputs"] = JsonSerializer.SerializeToNode(t.Outputs);
                to["attempts"] = JsonSerializer.SerializeToNode(items.FirstOrDefault()?.Attempts ?? [], StateStoreRunStore.Json);
            }
            tasks[name] = to;
            text.Append(CultureInfo.InvariantCulture, $"  {name,-24} {t.Status,-10}");
            if (td.IsForeach)
                text.Append(CultureInfo.InvariantCulture, $" {items.Count(i => i.Status == RunStatus.Succeeded)}/{items.Count} succeeded, {items.Count(i => i.Status == RunStatus.Failed)} failed, {items.Count(i => i.Status == RunStatus.TimedOut)} timed out");
            if (t.Error is not null) text.Append(" - ").Append(t.Error);
            text.Append('\n');
        }
        o["tasks"] = tasks;
        // The run summary: every foreach item (or every task, for a pipeline without foreach).
        o["summary"] = summaryItems.Count > 0
            ? Merge(summaryItems)
            : RunSummary.Build(run.Tasks.Select((kv, i) => new ItemRecord { Index = i, Dataset = kv.Key, Status = kv.Value.Status, Error = kv.Value.Error }));
        var exit = run.Status is RunStatus.Succeeded or RunStatus.Skipped ? 0 : run.Status == RunStatus.Cancelled ? 130 : allItems.Any(i => i.Status == RunStatus.Succeeded) ? 1 : 2;
        return new RunDescription(o, text.ToString().TrimEnd(), exit);
    }

    private static string Instant(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    private static JsonObject Merge(List<(string Task, ItemRecord Item)> items)
    {
        var single = items.Select(i => i.Task).Distinct().Count() == 1;
        var total = RunSummary.Build(items.Select(x => x.Item));
        if (!single)
        {
            var list = new JsonArray();
            foreach (var g in items.GroupBy(i => i.Task))
                foreach (var n in RunSummary.Build(g.Select(x => x.Item), g.Key)["items"]!.AsArray()) list.Add(n!.DeepClone());
            total["items"] = list;
        }
        return total;
    }
}
