using System.Text.Json.Nodes;

namespace Dativo.Orchestration.Pipelines;

/// <summary>A pipeline file as bound from YAML (snake_case JSON → these records).</summary>
public sealed record PipelineDefinition
{
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public Dictionary<string, string> Params { get; init; } = [];
    public string? Timeout { get; init; }
    public ConcurrencyDefinition? Concurrency { get; init; }
    public ScheduleDefinition? Schedule { get; init; }
    public List<TriggerDefinition> Triggers { get; init; } = [];
    public List<AlertDefinition> Alerts { get; init; } = [];
    public string? RunTtl { get; init; }
    public RelaunchDefinition? Relaunch { get; init; }
    public List<TaskDefinition> Tasks { get; init; } = [];
}

/// <summary>Automatic relaunch of a failed step (CYI's relauncher): every task without its own <c>retry</c> gets
/// <c>max_retries</c> more attempts, except the steps listed as not to retry.</summary>
public sealed record RelaunchDefinition
{
    public int MaxRetries { get; init; }
    public string? Backoff { get; init; }
    public List<string> StepsNotToRetry { get; init; } = [];
}

public sealed record TaskDefinition
{
    public string Name { get; init; } = "";
    public string Type { get; init; } = "";
    public string? Description { get; init; }
    public List<string> DependsOn { get; init; } = [];
    public string? TriggerRule { get; init; }
    public ForeachDefinition? Foreach { get; init; }
    public int? Concurrency { get; init; }
    public string? Timeout { get; init; }
    public RetryDefinition? Retry { get; init; }
    public List<string>? Command { get; init; }
    public Dictionary<string, string>? Env { get; init; }
    public string? WorkingDir { get; init; }
    public string? Pipeline { get; init; }
    public Dictionary<string, string>? Params { get; init; }
    public string? Job { get; init; }
    public string? Sql { get; init; }
    public string? Table { get; init; }
    public Dictionary<string, JsonNode?>? With { get; init; }

    public bool AllDone => TriggerRule == "all_done";
}

public sealed record ForeachDefinition
{
    public List<SourceDefinition> Sources { get; init; } = [];
}

public sealed record SourceDefinition
{
    public List<string>? Values { get; init; }
    public string? File { get; init; }
    public string? Env { get; init; }
    public string? Ssm { get; init; }
    public string? Secretsmanager { get; init; }
    public string? Region { get; init; }

    public string Describe() =>
        Values is not null ? "values" :
        File is not null ? $"file {File}" :
        Env is not null ? $"env {Env}" :
        Ssm is not null ? $"ssm {Ssm}" :
        Secretsmanager is not null ? $"secretsmanager {Secretsmanager}" : "(empty source)";
}

public sealed record RetryDefinition
{
    public int? MaxAttempts { get; init; }
    public string? Backoff { get; init; }
    public double? Multiplier { get; init; }
    public string? MaxBackoff { get; init; }
    public string? MaxDuration { get; init; }
}

public sealed record ConcurrencyDefinition
{
    public int? Limit { get; init; }
    public string? Behavior { get; init; }
}

public sealed record ScheduleDefinition
{
    public string Cron { get; init; } = "";
    public string? Timezone { get; init; }
    public string? CatchUp { get; init; }
}

public sealed record TriggerDefinition
{
    public ObjectArrivalDefinition? ObjectArrival { get; init; }
}

public sealed record ObjectArrivalDefinition
{
    public string Location { get; init; } = "";
    public string Prefix { get; init; } = "";
    public string? Settle { get; init; }
    public string? PollInterval { get; init; }

    /// <summary>SQS queue URL receiving the bucket's S3 event notifications: runs start on events instead of polling.</summary>
    public string? Queue { get; init; }
}

public sealed record AlertDefinition
{
    public string Webhook { get; init; } = "";
    public List<string>? On { get; init; }
}
