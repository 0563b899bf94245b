using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks.EmrCluster;

/// <summary>The <c>with:</c> settings of an <c>emr_cluster</c> task, checked at load and read per item.</summary>
internal sealed partial record EmrClusterSettings
{
    public static readonly string[] Keys =
    [
        "config_dir", "cluster_id", "overrides", "extend", "additional_step_args", "run_args", "tags",
        "region", "endpoint", "poll_interval", "max_poll_interval", "cancel_wait",
    ];

    public required string ConfigDir { get; init; }
    public string? ClusterId { get; init; }
    public JsonObject? Overrides { get; init; }
    public JsonObject? Extend { get; init; }
    public JsonObject? AdditionalStepArgs { get; init; }
    public bool RunArgs { get; init; } = true;
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public string? Region { get; init; }
    public Uri? Endpoint { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan CancelWait { get; init; } = TimeSpan.FromMinutes(5);

    public static void Validate(TaskDefinition task, TaskIssues issues)
    {
        TaskSettings.CheckKeys(task, issues, Keys);
        foreach (var (field, value) in new[] { ("command", (object?)task.Command), ("pipeline", task.Pipeline), ("sql", task.Sql), ("job", task.Job) })
            if (value is not null) issues.Error(field, $"'{field}' does not apply to an emr_cluster task");
        if (TaskSettings.Raw(task, "config_dir") is null)
            issues.Error("with", "an emr_cluster task needs with.config_dir: the folder of cluster.yaml, instances.yaml [, configurations.yaml, steps.yaml]");
        if (TaskSettings.Raw(task, "cluster_id") is { } id && !TaskSettings.IsTemplated(id) && !ClusterIdPattern().IsMatch(id.Trim()))
            issues.Error("with.cluster_id", $"'{id}' is not an EMR cluster id (j-…)");
        if (TaskSettings.Raw(task, "endpoint") is { } e && !TaskSettings.IsTemplated(e) && !(Uri.TryCreate(e, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
            issues.Error("with.endpoint", $"'{e}' is not an http(s) URL");
        if (TaskSettings.Raw(task, "run_args") is { } r && r is not ("true" or "false"))
            issues.Error("with.run_args", $"'{r}' is not true or false");
        foreach (var key in new[] { "poll_interval", "max_poll_interval", "cancel_wait" })
            if (TaskSettings.Raw(task, key) is { } v && !TaskSettings.IsTemplated(v) && !(Durations.TryParse(v, out var d) && d > TimeSpan.Zero))
                issues.Error($"with.{key}", $"'{v}' is not a duration (e.g. 500ms, 30s, 2m)");
        foreach (var key in new[] { "overrides", "extend", "additional_step_args" })
            if (task.With?.TryGetValue(key, out var node) == true && node is not JsonObject)
                issues.Error($"with.{key}", $"write {key} as a mapping");
        if (task.With?.GetValueOrDefault("extend") is JsonObject ext)
            foreach (var (path, items) in ext)
                if (items is not JsonArray) issues.Error($"with.extend.{path}", "write the items to append as a list");
        if (task.With?.GetValueOrDefault("additional_step_args") is JsonObject more)
            foreach (var (step, args) in more)
                if (args is not JsonArray a || a.Any(x => x is not JsonValue)) issues.Error($"with.additional_step_args.{step}", "write the step's extra arguments as a list of values");
        if (TaskSettings.Has(task, "tags") && TaskSettings.RawMap(task, "tags") is null)
            issues.Error("with.tags", "write tags as a map: {team: data}");
    }

    /// <summary>The settings of one item, templates rendered (the run's values reach the API as data, never as text of a file).</summary>
    public static EmrClusterSettings Read(TaskInvocation inv, List<string> errors)
    {
        TimeSpan Duration(string key, TimeSpan fallback)
        {
            if (TaskSettings.Get(inv, key) is not { } v) return fallback;
            if (Durations.TryParse(v, out var d) && d > TimeSpan.Zero) return d;
            errors.Add($"with.{key}: '{v}' is not a duration");
            return fallback;
        }
        var clusterId = TaskSettings.Get(inv, "cluster_id");
        if (clusterId is { Length: > 0 } && !ClusterIdPattern().IsMatch(clusterId)) errors.Add($"with.cluster_id: '{clusterId}' is not an EMR cluster id (j-…)");
        Uri? endpoint = null;
        if (TaskSettings.Get(inv, "endpoint") is { } e && !Uri.TryCreate(e, UriKind.Absolute, out endpoint))
            errors.Add($"with.endpoint: '{e}' is not a URL");
        var poll = Duration("poll_interval", TimeSpan.FromSeconds(30));
        return new EmrClusterSettings
        {
            ConfigDir = inv.ResolvePath(TaskSettings.Raw(inv.Task, "config_dir")!.Trim(), "with.config_dir"),
            ClusterId = string.IsNullOrEmpty(clusterId) ? null : clusterId,
            Overrides = Rendered(inv, "overrides") as JsonObject,
            Extend = Rendered(inv, "extend") as JsonObject,
            AdditionalStepArgs = Rendered(inv, "additional_step_args") as JsonObject,
            RunArgs = TaskSettings.Get(inv, "run_args") != "false",
            Tags = (TaskSettings.RawMap(inv.Task, "tags") ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, kv => inv.Render(kv.Value), StringComparer.Ordinal),
            Region = TaskSettings.Get(inv, "region"),
            Endpoint = endpoint,
            PollInterval = poll,
            MaxPollInterval = Duration("max_poll_interval", TimeSpan.FromTicks(Math.Max(poll.Ticks, TimeSpan.FromMinutes(2).Ticks))),
            CancelWait = Duration("cancel_wait", TimeSpan.FromMinutes(5)),
        };
    }

    /// <summary>A nested setting with every string rendered for this item (values only; keys stay as written).</summary>
    private static JsonNode? Rendered(TaskInvocation inv, string key) => Render(inv, inv.Task.With?.GetValueOrDefault(key));

    private static JsonNode? Render(TaskInvocation inv, JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Render(inv, kv.Value)))),
        JsonArray a => new JsonArray([.. a.Select(x => Render(inv, x))]),
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(inv.Render(s)),
        _ => node?.DeepClone(),
    };

    [GeneratedRegex("^j-[0-9A-Z]{1,64}$")]
    private static partial Regex ClusterIdPattern();
}
