using Dativo.Ingestion.Secrets;
using Dativo.Lake.State;

namespace Dativo.Ingestion.Running;

/// <summary>Everything a job run needs from its surroundings.</summary>
public sealed record RunOptions
{
    /// <summary>Folder relative paths (default warehouse, state) are resolved against.</summary>
    public required string WorkDir { get; init; }
    public required TimeProvider Time { get; init; }
    public required IStateStore State { get; init; }
    public required SecretResolver Secrets { get; init; }
    public required Func<string, string?> Env { get; init; }
    public IRunProgress? Progress { get; init; }
    /// <summary>Records per source batch; equal to the target's row group size so batches become row groups without copies.</summary>
    public int BatchRows { get; init; } = Targets.IcebergTarget.RowGroupRows;
}
