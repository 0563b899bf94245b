namespace Dativo.Ingestion.Running;

/// <summary>What one job run did (the summary table row and the exit code input).</summary>
public sealed record JobResult
{
    public required string Job { get; init; }
    public required string Tenant { get; init; }
    public string Table { get; init; } = "";
    public long RowsRead { get; init; }
    public long RowsWritten { get; init; }
    /// <summary>Records left out (strict) or kept with invalid values (warn).</summary>
    public long Rejected { get; init; }
    public bool WarnMode { get; init; }
    public int Files { get; init; }
    public long Bytes { get; init; }
    public string? SnapshotId { get; init; }
    public string? Quarantine { get; init; }
    public TimeSpan Duration { get; init; }
    public bool NoNewData { get; init; }
    /// <summary>CSV files DuckDB loaded in bulk, and why others took the row path.</summary>
    public Bulk.BulkSummary Bulk { get; init; } = Ingestion.Bulk.BulkSummary.None;
    /// <summary>Failure message (exit code 2), or null.</summary>
    public string? Error { get; init; }
    /// <summary>Something to know about a run that committed (e.g. the state store copy lagging), or null.</summary>
    public string? Warning { get; init; }
    /// <summary>Stopped by a signal before its commit: nothing of it was committed (exit code 130).</summary>
    public bool Cancelled { get; init; }

    public double RowsPerSecond => Duration.TotalSeconds > 0 ? RowsRead / Duration.TotalSeconds : 0;

    /// <summary>0 ok (also no new data), 1 finished with invalid records kept in warn mode, 2 failure or rejected records in strict mode, 130 cancelled.</summary>
    public int ExitCode => Cancelled ? 130 : Error is not null ? 2 : Rejected == 0 ? 0 : WarnMode ? 1 : 2;
}

/// <summary>Progress callbacks from a running job (rows read/written so far, source bytes).</summary>
public interface IRunProgress
{
    void Report(string job, long rowsRead, long rowsWritten, long bytes, long totalBytes);
}
