using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// <c>{total, succeeded, failed, timed_out, cancelled, skipped, items:[{dataset, status, attempts, duration_s, error}]}</c>:
/// what <c>runs show --json</c> prints and what a summary task receives as <c>{{ outputs.&lt;task&gt;.summary }}</c>.
/// Every item appears, whatever its outcome (the seed-002 summary dropped failures).
/// </summary>
public static class RunSummary
{
    public static JsonObject Build(IEnumerable<ItemRecord> items, string? task = null)
    {
        int total = 0, succeeded = 0, failed = 0, timedOut = 0, cancelled = 0, skipped = 0;
        var list = new JsonArray();
        foreach (var i in items.OrderBy(i => i.Index))
        {
            total++;
            switch (i.Status)
            {
                case RunStatus.Succeeded: succeeded++; break;
                case RunStatus.TimedOut: timedOut++; break;
                case RunStatus.Cancelled: cancelled++; break;
                case RunStatus.Skipped: skipped++; break;
                default: failed++; break;
            }
            var o = new JsonObject();
            if (task is not null) o["task"] = task;
            o["dataset"] = i.Dataset;
            o["status"] = i.Status;
            o["attempts"] = i.Attempts.Count;
            o["duration_s"] = Math.Round(i.DurationSeconds, 3);
            o["error"] = i.Error;
            list.Add(o);
        }
        return new JsonObject
        {
            ["total"] = total,
            ["succeeded"] = succeeded,
            ["failed"] = failed,
            ["timed_out"] = timedOut,
            ["cancelled"] = cancelled,
            ["skipped"] = skipped,
            ["items"] = list,
        };
    }

    public static string Compact(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
