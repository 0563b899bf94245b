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
        "region", "endpoint", "max_concurrent_runs", "poll_interval", "max_poll_interval", "cancel_wait",
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

    public static void Validate(TaskDefinition task, TaskIssues issues)
    {
        TaskSettings.CheckKeys(task, issues, Keys);
        foreach (var (field, value) in new[] { ("command", (object?)task.Command), ("pipeline", task.Pipeline), ("sql", task.Sql) })
            if (value is not null) issues.Error(field, $"'{field}' does not apply to an emr_serverless task");
        foreach (var key in new[] { "application_id", "execution_role_arn", "entry_point" })
            if (TaskSettings.Raw(task, key) is null) issues.Error("with", $"an emr_serverless task needs with.{key}");
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
        return new EmrServerlessSettings
        {
            ApplicationId = applicationId,
            ExecutionRoleArn = Required("execution_role_arn"),
            EntryPoint = Required("entry_point"),
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

    [GeneratedRegex("^[0-9a-z]{1,64}$")]
    private static partial Regex ApplicationIdPattern();

    [GeneratedRegex(@"^arn:aws[a-zA-Z0-9-]*:iam::[0-9]{12}:role/.+$")]
    private static partial Regex RoleArnPattern();
}
