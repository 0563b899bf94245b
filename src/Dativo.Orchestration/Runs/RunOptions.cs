using Dativo.Orchestration.Datasets;
using Dativo.Orchestration.Tasks;

namespace Dativo.Orchestration.Runs;

/// <summary>What the run engine needs from its surroundings.</summary>
public sealed class RunOptions
{
    public required IRunStore Store { get; init; }
    public required TaskTypeRegistry Registry { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public Func<string, string?> Env { get; init; } = Environment.GetEnvironmentVariable;
    public IAwsValueReader? Aws { get; init; }

    /// <summary>Folder for attempt logs (default: .dativo/logs).</summary>
    public string LogRoot { get; init; } = Path.Combine(".dativo", "logs");

    public int DefaultConcurrency { get; init; } = 8;

    /// <summary>How often a running run refreshes its owner heartbeat and looks for a cancel request.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an owner's heartbeat holds a run against other hosts (renewed with every heartbeat). An owner that could not
    /// renew it in time stops the run's work itself, since another worker may take the run over.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a queued run checks the pipeline's concurrency limit again.</summary>
    public TimeSpan QueuePoll { get; init; } = TimeSpan.FromSeconds(1);

    public Action<RunEvent>? Progress { get; init; }

    /// <summary>
    /// Set on workers: fan-out items are claimed through these leases, so idle workers sharing the store take items of a
    /// running fan-out (see <see cref="RunWorker"/>). Null: the owner runs every item itself.
    /// </summary>
    public ItemLeases? ItemLeases { get; init; }

    /// <summary>With <see cref="ItemLeases"/>: how many items of a shared fan-out this process runs at once (null: up to the task's concurrency).</summary>
    public int? ItemSlots { get; init; }

    public Dativo.Orchestration.Alerts.IAlertSender? Alerts { get; init; }
}

/// <summary>Progress of a run, for live output.</summary>
public sealed record RunEvent(string RunId, string? Task, string? Dataset, string Status, int Attempt, string? Message);

/// <summary>What to run: a correlation id (new when null), an export date and the parent of a backfill child.</summary>
public sealed record RunRequest(string? CorrelationId = null, string? ExportDate = null, string? StartDate = null, string? ParentId = null);
