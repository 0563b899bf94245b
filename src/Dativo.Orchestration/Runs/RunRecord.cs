using System.Text.Json.Serialization;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// One run of a pipeline, keyed by (correlation id, pipeline) like the CYI DynamoDB row: a run counter that
/// grows on every re-run, status, current step, per-task state and the dataset list fixed at the first run
/// (so a resumed run neither loses nor adds items). Items live in separate records (see <see cref="ItemRecord"/>).
/// </summary>
public sealed class RunRecord
{
    public string RunId { get; set; } = "";
    public string Pipeline { get; set; } = "";
    public string CorrelationId { get; set; } = "";
    public string? PipelineFile { get; set; }
    public int RunCounter { get; set; }
    public string Status { get; set; } = RunStatus.Queued;
    public string? CurrentStep { get; set; }
    public string? ResumedFrom { get; set; }
    public string? ExportDate { get; set; }
    public string? StartDate { get; set; }
    public Dictionary<string, string> Params { get; set; } = [];

    /// <summary>Params a parent pipeline filled from data (kept so a retry of this run still treats them as untrusted).</summary>
    public List<string>? DataParams { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? Error { get; set; }
    public RunOwner? Owner { get; set; }
    public bool CancelRequested { get; set; }
    public string? ParentId { get; set; }
    public string? Kind { get; set; }
    public List<string> Children { get; set; } = [];
    public Dictionary<string, TaskRecord> Tasks { get; set; } = [];

    [JsonIgnore]
    public long Version { get; set; }
}

/// <summary>
/// The process that runs (or ran) a run; a live owner blocks a second copy. On Linux its start time (clock ticks after
/// boot) and boot id tell the owner from a later process that got the same pid. <see cref="Fence"/> grows with every
/// owner that takes the run; a write of a run or item record by an older fence is refused (a worker that lost its lease
/// can no longer change the run). <see cref="LeaseUntil"/>: until when the owner's heartbeat holds the run.
/// </summary>
public sealed record RunOwner(string Host, int Pid, DateTimeOffset HeartbeatAt, ulong? StartTicks = null, string? Boot = null, long Fence = 0, DateTimeOffset? LeaseUntil = null);

public sealed class TaskRecord
{
    public string Status { get; set; } = RunStatus.Pending;
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? Error { get; set; }

    /// <summary>Foreach tasks: the dataset list and where it came from, fixed on the first run.</summary>
    public List<string>? Datasets { get; set; }
    public string? DatasetSource { get; set; }

    /// <summary>Set while the task's items are shared with other workers (item leases): the run counter that shares them.</summary>
    public int? SharedCounter { get; set; }

    /// <summary>Plain tasks: the outputs of the successful attempt.</summary>
    public Dictionary<string, string>? Outputs { get; set; }
}

/// <summary>One foreach item (or the single item of a plain task) with every attempt.</summary>
public sealed class ItemRecord
{
    public int Index { get; set; }
    public string? Dataset { get; set; }
    public string Status { get; set; } = RunStatus.Pending;
    public string? Error { get; set; }
    public Dictionary<string, string> Outputs { get; set; } = [];
    public List<AttemptRecord> Attempts { get; set; } = [];

    public double DurationSeconds => Attempts.Sum(a => a.EndedAt is { } e ? (e - a.StartedAt).TotalSeconds : 0);
}

public sealed class AttemptRecord
{
    public int Number { get; set; }
    public int RunCounter { get; set; }
    public string IdempotencyKey { get; set; } = "";
    public string? Handle { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string Outcome { get; set; } = RunStatus.Running;
    public string? Error { get; set; }
    public string? Log { get; set; }
}
