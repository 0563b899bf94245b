using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>The <c>with:</c> settings of an <c>emr_serverless</c> task, checked at load and rendered per item.</summary>
internal sealed partial record EmrServerlessSettings
{
    public static readonly string[] Keys =
    [
        "application_id", "execution_role_arn", "entry_point", "arguments", "spark_submit_parameters", "log_uri", "tags", "name",
        "region", "endpoint", "max_concurrent_runs", "poll_interval", "max_poll_interval", "cancel_wait", "runner", "staging", "spec",
    ];

    public required string ApplicationId { get; init; }
    public required string ExecutionRoleArn { get; init; }
    public required string EntryPoint { get; init; }
    public required IReadOnlyList<string> Arguments { get; init; }
    public string? SparkSubmitParameters { get; init; }
    public string? LogUri { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public string? Name { get; init; }
    public string? Region { get; init; }
    public Uri? Endpoint { get; init; }
    public int MaxConcurrentRuns { get; init; } = 50;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan CancelWait { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary><c>runner: dativo</c>: Dativo's Spark runner (spark/dativo_spark_runner.py) is the entry point, uploaded to <see cref="Staging"/> with the item's <see cref="Spec"/>.</summary>
    public bool DativoRunner { get; init; }

    /// <summary>s3://bucket/prefix where the runner and the specs are uploaded.</summary>
    public string? Staging { get; init; }

    /// <summary>The item's task spec for the runner (templates rendered).</summary>
    public JsonObject? Spec { get; init; }

    public static void Validate(TaskDefinition task, TaskIssues issues)
    {
        TaskSettings.CheckKeys(task, issues, Keys);
        foreach (var (field, value) in new[] { ("command", (object?)task.Command), ("pipeline", task.Pipeline), ("sql", task.Sql) })
            if (value is not null) issues.Error(field, $"'{field}' does not apply to an emr_serverless task");
        var dativoRunner = TaskSettings.Raw(task, "runner") is { } runner && runner.Trim() == "dativo";
        if (TaskSettings.Raw(task, "runner") is { } r && r.Trim() != "dativo")
            issues.Error("with.runner", $"'{r}' is not a runner Dativo ships; write runner: dativo (spark/dativo_spark_runner.py), or leave it out and name your own entry_point");
        foreach (var key in dativoRunner ? new[] { "application_id", "execution_role_arn", "staging", "spec" } : ["application_id", "execution_role_arn", "entry_point"])
            if (TaskSettings.Raw(task, key) is null && !TaskSettings.Has(task, key))
                issues.Error("with", dativoRunner ? $"an emr_serverless task with runner: dativo needs with.{key}" : $"an emr_serverless task needs with.{key}");
        if (dativoRunner && TaskSettings.Raw(task, "entry_point") is not null)
            issues.Error("with.entry_point", "with runner: dativo the entry point is the uploaded runner; leave entry_point out");
        if (!dativoRunner && (TaskSettings.Has(task, "staging") || TaskSettings.Has(task, "spec")))
            issues.Error("with", "staging and spec apply to runner: dativo; add it, or leave them out");
        if (TaskSettings.Has(task, "spec") && task.With?["spec"] is not JsonObject)
            issues.Error("with.spec", "write the runner's task spec as a map: {catalog: {...}, inputs: {...}, statements: [...], output: {...}} (spark/README.md)");
        Check(task, "staging", v => v.StartsWith("s3://", StringComparison.Ordinal) && v.Length > 5, "is not an s3://bucket/prefix URI (EMR Serverless reads the runner and specs from S3)", issues);
        Check(task, "application_id", v => ApplicationIdPattern().IsMatch(v), "is not an EMR Serverless application id (1-64 of a-z, 0-9)", issues);
        Check(task, "execution_role_arn", v => RoleArnPattern().IsMatch(v), "is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", issues);
        Check(task, "entry_point", v => v.StartsWith("s3://", StringComparison.Ordinal), "is not an s3:// URI (EMR Serverless reads the entry point from S3)", issues);
        Check(task, "log_uri", v => v.StartsWith("s3://", StringComparison.Ordinal), "is not an s3:// URI", issues);
        Check(task, "endpoint", v => Uri.TryCreate(v, UriKind.Absolute, out var u) && u.Scheme is "http" or "https", "is not an http(s) URL", issues);
        Check(task, "max_concurrent_runs", v => int.TryParse(v, CultureInfo.InvariantCulture, out var n) && n >= 1, "is not a whole number ≥ 1", issues);
        foreach (var key in new[] { "poll_interval", "max_poll_interval", "cancel_wait" })
            Check(task, key, v => Durations.TryParse(v, out var d) && d > TimeSpan.Zero, "is not a duration (e.g. 500ms, 30s, 2m)", issues);
        if (task.With?.TryGetValue("arguments", out var args) == true && (args is not JsonArray a || a.Any(x => x is not JsonValue)))
            issues.Error("with.arguments", "write arguments as a list of values: [--data_set, \"{{ dataset }}\"]");
        if (TaskSettings.Has(task, "tags") && TaskSettings.RawMap(task, "tags") is null)
            issues.Error("with.tags", "write tags as a map: {team: data}");
    }

    private static void Check(TaskDefinition task, string key, Func<string, bool> ok, string problem, TaskIssues issues)
    {
        if (TaskSettings.Raw(task, key) is { } v && !TaskSettings.IsTemplated(v) && !ok(v.Trim()))
            issues.Error($"with.{key}", $"'{v}' {problem}");
    }

    /// <summary>The settings of one item, templates rendered; errors name the setting.</summary>
    public static EmrServerlessSettings Read(TaskInvocation inv, List<string> errors)
    {
        string Required(string key)
        {
            var v = TaskSettings.Get(inv, key);
            if (string.IsNullOrEmpty(v)) errors.Add($"with.{key} is empty");
            return v ?? "";
        }
        TimeSpan Duration(string key, TimeSpan fallback)
        {
            if (TaskSettings.Get(inv, key) is not { } v) return fallback;
            if (Durations.TryParse(v, out var d) && d > TimeSpan.Zero) return d;
            errors.Add($"with.{key}: '{v}' is not a duration");
            return fallback;
        }
        var applicationId = Required("application_id");
        if (applicationId.Length > 0 && !ApplicationIdPattern().IsMatch(applicationId)) errors.Add($"with.application_id: '{applicationId}' is not an application id");
        var arguments = inv.Task.With?.GetValueOrDefault("arguments") is JsonArray a
            ? a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? inv.Render(s) : n?.ToJsonString() ?? "").ToList()
            : [];
        var max = 50;
        if (TaskSettings.Get(inv, "max_concurrent_runs") is { } m && (!int.TryParse(m, CultureInfo.InvariantCulture, out max) || max < 1))
            errors.Add($"with.max_concurrent_runs: '{m}' is not a whole number ≥ 1");
        Uri? endpoint = null;
        if (TaskSettings.Get(inv, "endpoint") is { } e && !Uri.TryCreate(e, UriKind.Absolute, out endpoint))
            errors.Add($"with.endpoint: '{e}' is not a URL");
        var poll = Duration("poll_interval", TimeSpan.FromSeconds(10));
        var dativoRunner = TaskSettings.Get(inv, "runner") == "dativo";
        string? staging = null;
        if (dativoRunner)
        {
            staging = Required("staging").TrimEnd('/');
            if (staging.Length > 0 && !(staging.StartsWith("s3://", StringComparison.Ordinal) && staging.Length > 5)) errors.Add($"with.staging: '{staging}' is not an s3://bucket/prefix URI");
        }
        return new EmrServerlessSettings
        {
            ApplicationId = applicationId,
            ExecutionRoleArn = Required("execution_role_arn"),
            EntryPoint = dativoRunner ? "" : Required("entry_point"),
            DativoRunner = dativoRunner,
            Staging = staging,
            Spec = dativoRunner && inv.Task.With?.GetValueOrDefault("spec") is JsonObject spec ? (JsonObject)RenderNode(spec, inv)! : null,
            Arguments = arguments,
            SparkSubmitParameters = TaskSettings.Get(inv, "spark_submit_parameters"),
            LogUri = TaskSettings.Get(inv, "log_uri"),
            Tags = (TaskSettings.RawMap(inv.Task, "tags") ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, kv => inv.Render(kv.Value), StringComparer.Ordinal),
            Name = TaskSettings.Get(inv, "name"),
            Region = TaskSettings.Get(inv, "region"),
            Endpoint = endpoint,
            MaxConcurrentRuns = max,
            PollInterval = poll,
            MaxPollInterval = Duration("max_poll_interval", TimeSpan.FromTicks(Math.Max(poll.Ticks, TimeSpan.FromMinutes(1).Ticks))),
            CancelWait = Duration("cancel_wait", TimeSpan.FromMinutes(2)),
        };
    }

    /// <summary>A copy of a spec node with every string rendered (values stay JSON strings: a dataset never becomes structure).</summary>
    private static JsonNode? RenderNode(JsonNode? node, TaskInvocation inv) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, RenderNode(kv.Value, inv)))),
        JsonArray a => new JsonArray([.. a.Select(x => RenderNode(x, inv))]),
        JsonValue v when v.TryGetValue<string>(out var text) => JsonValue.Create(inv.Render(text)),
        _ => node?.DeepClone(),
    };

    [GeneratedRegex("^[0-9a-z]{1,64}$")]
    private static partial Regex ApplicationIdPattern();

    [GeneratedRegex(@"^arn:aws[a-zA-Z0-9-]*:iam::[0-9]{12}:role/.+$")]
    private static partial Regex RoleArnPattern();
}
