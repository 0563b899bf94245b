using Dativo.Core.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cronos;
using Dativo.Orchestration.Scheduling;
using Dativo.Orchestration.Tasks;

namespace Dativo.Orchestration.Pipelines;

/// <summary>The checks of a bound pipeline that the schema cannot express.</summary>
internal static partial class PipelineRules
{
    /// <summary>Variables every task may use, besides params.*, outputs.* and dataset.</summary>
    public static readonly string[] RunVariables = ["export_date", "start_date", "run.correlation_id", "run.id", "run.pipeline", "run.counter", "attempt"];

    /// <summary>Outputs every foreach task has.</summary>
    public static readonly string[] ForeachOutputs = ["summary", "datasets", "items", "total", "succeeded", "failed"];

    public static List<TaskDefinition> Check(PipelineDefinition def, TaskTypeRegistry registry, PipelineLoader.Issues issues)
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < def.Tasks.Count; i++)
        {
            var t = def.Tasks[i];
            var at = $"tasks[{i}]";
            if (!byName.TryAdd(t.Name, i)) issues.Error($"{at}.name", $"duplicate task name '{t.Name}'; task names must be unique");
            CheckType(t, at, registry, issues);
            CheckForeach(t, at, issues);
            CheckDurations(t, at, issues);
        }
        for (var i = 0; i < def.Tasks.Count; i++)
        {
            var t = def.Tasks[i];
            for (var j = 0; j < t.DependsOn.Count; j++)
            {
                var d = t.DependsOn[j];
                if (d == t.Name) issues.Error($"tasks[{i}].depends_on[{j}]", $"task '{t.Name}' depends on itself");
                else if (!byName.ContainsKey(d))
                    issues.Error($"tasks[{i}].depends_on[{j}]", $"unknown task '{d}'{NearMiss.Hint(d, byName.Keys)}; tasks: {string.Join(", ", byName.Keys)}");
            }
        }
        var order = Order(def, byName, issues);
        var upstream = Upstream(def, byName);
        for (var i = 0; i < def.Tasks.Count; i++) CheckTemplates(def, def.Tasks[i], $"tasks[{i}]", upstream, byName, issues);
        CheckPipeline(def, issues);
        return order;
    }

    private static void CheckType(TaskDefinition t, string at, TaskTypeRegistry registry, PipelineLoader.Issues issues)
    {
        var executor = registry.Find(t.Type, out var unavailable);
        if (executor is null)
        {
            if (unavailable is not null)
                issues.Error($"{at}.type", $"task type '{t.Type}' is not available in this build: {unavailable}");
            else
                issues.Error($"{at}.type", $"unknown task type '{t.Type}'{NearMiss.Hint(t.Type, registry.Names)}; known types: {string.Join(", ", registry.Names)}");
            return;
        }
        executor.Validate(t, new TaskIssues((path, msg) => issues.Error(string.IsNullOrEmpty(path) ? at : $"{at}.{path}", msg)));
    }

    private static void CheckForeach(TaskDefinition t, string at, PipelineLoader.Issues issues)
    {
        if (t.Foreach is null)
        {
            if (t.Concurrency is not null) issues.Error($"{at}.concurrency", "concurrency limits foreach items; this task has no foreach");
            return;
        }
        if (t.Foreach.Sources.Count == 0) issues.Error($"{at}.foreach.sources", "foreach needs at least one source (values, file, env, ssm or secretsmanager)");
        for (var s = 0; s < t.Foreach.Sources.Count; s++)
        {
            var src = t.Foreach.Sources[s];
            var kinds = new[] { src.Values is not null, src.File is not null, src.Env is not null, src.Ssm is not null, src.Secretsmanager is not null }.Count(x => x);
            if (kinds != 1)
                issues.Error($"{at}.foreach.sources[{s}]", kinds == 0
                    ? "a source needs one of values, file, env, ssm, secretsmanager"
                    : "a source has exactly one of values, file, env, ssm, secretsmanager; write one list entry per source");
            if (src.Values is { Count: 0 }) issues.Error($"{at}.foreach.sources[{s}].values", "values is empty; a foreach over nothing would do nothing");
            if (src.Region is not null && src.Ssm is null && src.Secretsmanager is null)
                issues.Error($"{at}.foreach.sources[{s}].region", "region applies to ssm and secretsmanager sources only");
        }
    }

    private static void CheckDurations(TaskDefinition t, string at, PipelineLoader.Issues issues)
    {
        if (t.Timeout is not null && Durations.ParseOrNull(t.Timeout) is { TotalMilliseconds: <= 0 })
            issues.Error($"{at}.timeout", "timeout must be positive");
        if (t.Retry?.Multiplier is < 1) issues.Error($"{at}.retry.multiplier", "multiplier must be at least 1");
    }

    private static List<TaskDefinition> Order(PipelineDefinition def, Dictionary<string, int> byName, PipelineLoader.Issues issues)
    {
        // Depth-first with colours; a back edge is a cycle, reported with its path.
        var state = new int[def.Tasks.Count];
        var order = new List<TaskDefinition>();
        var stack = new List<int>();
        var reported = false;
        void Visit(int i)
        {
            if (state[i] == 2) return;
            if (state[i] == 1)
            {
                if (reported) return;
                reported = true;
                var start = stack.IndexOf(i);
                var cycle = stack.Skip(start).Append(i).Select(k => def.Tasks[k].Name);
                issues.Error($"tasks[{i}].depends_on", $"dependency cycle: {string.Join(" -> ", cycle)}; remove one of these depends_on entries");
                return;
            }
            state[i] = 1;
            stack.Add(i);
            foreach (var d in def.Tasks[i].DependsOn)
                if (byName.TryGetValue(d, out var j) && j != i) Visit(j);
            stack.RemoveAt(stack.Count - 1);
            state[i] = 2;
            order.Add(def.Tasks[i]);
        }
        for (var i = 0; i < def.Tasks.Count; i++) Visit(i);
        return order;
    }

    private static Dictionary<string, HashSet<string>> Upstream(PipelineDefinition def, Dictionary<string, int> byName)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var t in def.Tasks)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var todo = new Stack<string>(t.DependsOn);
            while (todo.Count > 0)
            {
                var d = todo.Pop();
                if (!byName.TryGetValue(d, out var j) || !seen.Add(d)) continue;
                foreach (var dd in def.Tasks[j].DependsOn) todo.Push(dd);
            }
            result[t.Name] = seen;
        }
        return result;
    }

    private static void CheckTemplates(PipelineDefinition def, TaskDefinition t, string at, Dictionary<string, HashSet<string>> upstream,
        Dictionary<string, int> byName, PipelineLoader.Issues issues)
    {
        foreach (var (path, text) in TemplatedStrings(t))
        {
            foreach (var (reference, error) in Template.References(text))
            {
                if (error is not null)
                {
                    issues.Error($"{at}.{path}", error);
                    continue;
                }
                var problem = CheckReference(def, t, reference!, upstream[t.Name], byName);
                if (problem is not null) issues.Error($"{at}.{path}", problem);
            }
        }
    }

    private static string? CheckReference(PipelineDefinition def, TaskDefinition t, string reference, HashSet<string> upstream, Dictionary<string, int> byName)
    {
        if (reference is "dataset" or "item")
            return t.Foreach is null ? $"'{{{{ {reference} }}}}' is defined only in foreach tasks; task '{t.Name}' has no foreach" : null;
        if (RunVariables.Contains(reference)) return null;
        var parts = reference.Split('.');
        if (parts[0] == "params")
        {
            if (parts.Length != 2) return $"'{reference}': write {{{{ params.<name> }}}}";
            return def.Params.ContainsKey(parts[1]) ? null
                : $"undefined template variable '{reference}': declare '{parts[1]}' under params:{NearMiss.Hint(parts[1], def.Params.Keys)}";
        }
        if (parts[0] == "outputs")
        {
            if (parts.Length < 3) return $"'{reference}': write {{{{ outputs.<task>.<key> }}}}";
            var task = parts[1];
            if (!byName.TryGetValue(task, out var sourceIndex))
                return $"undefined template variable '{reference}': no task '{task}'{NearMiss.Hint(task, byName.Keys)}";
            if (!upstream.Contains(task))
                return $"'{reference}': task '{t.Name}' does not depend on '{task}', so its outputs may not exist yet; add it to depends_on";
            var source = def.Tasks[sourceIndex];
            if (source.Foreach is not null && !ForeachOutputs.Contains(parts[2]))
                return $"undefined template variable '{reference}': foreach task '{task}' has the outputs {string.Join(", ", ForeachOutputs)}";
            return null;
        }
        var known = RunVariables.Concat(["dataset"]).Concat(def.Params.Keys.Select(k => "params." + k));
        return $"undefined template variable '{reference}'{NearMiss.Hint(reference, known)}; defined: dataset (foreach), {string.Join(", ", RunVariables)}, params.<name>, outputs.<task>.<key>";
    }

    /// <summary>Every string of a task that is rendered as a template, with its key path.</summary>
    public static IEnumerable<(string Path, string Text)> TemplatedStrings(TaskDefinition t)
    {
        if (t.Command is not null)
            for (var i = 0; i < t.Command.Count; i++) yield return ($"command[{i}]", t.Command[i]);
        foreach (var (k, v) in t.Env ?? []) yield return ($"env.{k}", v);
        if (t.WorkingDir is not null) yield return ("working_dir", t.WorkingDir);
        foreach (var (k, v) in t.Params ?? []) yield return ($"params.{k}", v);
        if (t.Sql is not null) yield return ("sql", t.Sql);
        if (t.Table is not null) yield return ("table", t.Table);
        if (t.Job is not null) yield return ("job", t.Job);
        foreach (var (k, v) in t.With ?? [])
            foreach (var s in Strings(v, $"with.{k}")) yield return s;
    }

    private static IEnumerable<(string, string)> Strings(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonValue v when v.TryGetValue<string>(out var s):
                yield return (path, s);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    foreach (var x in Strings(a[i], $"{path}[{i}]")) yield return x;
                break;
            case JsonObject o:
                foreach (var (k, v) in o)
                    foreach (var x in Strings(v, $"{path}.{k}")) yield return x;
                break;
        }
    }

    private static void CheckPipeline(PipelineDefinition def, PipelineLoader.Issues issues)
    {
        if (def.Schedule is { } s)
        {
            try
            {
                CronSchedules.Parse(s.Cron);
            }
            catch (CronFormatException e)
            {
                issues.Error("schedule.cron", $"invalid cron expression '{s.Cron}': {e.Message}");
            }
            if (s.Timezone is not null && !CronSchedules.TryZone(s.Timezone, out _))
                issues.Error("schedule.timezone", $"unknown time zone '{s.Timezone}'; use an IANA name such as Europe/London or UTC");
        }
        for (var i = 0; i < def.Triggers.Count; i++)
        {
            var a = def.Triggers[i].ObjectArrival;
            if (a is null)
            {
                issues.Error($"triggers[{i}]", "a trigger needs object_arrival");
                continue;
            }
            if (!DatePrefix().IsMatch(a.Prefix))
                issues.Error($"triggers[{i}].object_arrival.prefix", "the prefix needs a {date:FORMAT} placeholder, e.g. cyi/{date:yyyy-MM-dd}/");
            if (a.Location.Contains("://", StringComparison.Ordinal) && !a.Location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) && !a.Location.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
                issues.Error($"triggers[{i}].object_arrival.location", $"'{a.Location}' is neither a folder nor an s3://bucket/prefix location");
            if (a.Queue is not null && !a.Location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
                issues.Error($"triggers[{i}].object_arrival.queue", $"a queue carries S3 event notifications: the location must be s3://bucket/prefix, not '{a.Location}'");
            if (a.Queue is not null && (!Uri.TryCreate(a.Queue, UriKind.Absolute, out var q) || q.Scheme is not ("http" or "https")))
                issues.Error($"triggers[{i}].object_arrival.queue", $"'{a.Queue}' is not an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)");
        }
        for (var i = 0; i < def.Alerts.Count; i++)
        {
            if (!Uri.TryCreate(def.Alerts[i].Webhook, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
                issues.Error($"alerts[{i}].webhook", $"'{def.Alerts[i].Webhook}' is not an http(s) URL");
        }
    }

    [GeneratedRegex(@"\{date:[^}]+\}")]
    private static partial Regex DatePrefix();
}
