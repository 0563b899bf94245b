using Dativo.Ingestion.Records;

namespace Dativo.Ingestion.Targets;

/// <summary>
/// Where validated records go. Nothing written is visible until <see cref="CommitAsync"/>, which
/// also records the ingestion state markers atomically with the data (see docs/ingestion.md "State").
/// </summary>
internal interface ITableTarget : IAsyncDisposable
{
    /// <summary>Table name as shown to users (namespace.table or a folder).</summary>
    string Display { get; }

    /// <summary>The schema the coercer must produce (the contract aligned to the existing table's field ids).</summary>
    Schema.TargetSchema Schema { get; }

    /// <summary>State markers stored by the last commit of this job (tenant/job key), or null.</summary>
    string? CommittedState { get; }

    /// <summary>Writes the batch's rows; its arrays are not kept after this returns (the runner reuses them).</summary>
    Task WriteAsync(ColumnBatch batch, CancellationToken ct);

    /// <summary>Publishes everything written, with <paramref name="state"/> stored in the same commit. Returns the snapshot/commit id.</summary>
    Task<CommitInfo> CommitAsync(string state, CancellationToken ct);

    /// <summary>Bytes of data files written so far.</summary>
    long BytesWritten { get; }

    int FilesWritten { get; }
}

internal sealed record CommitInfo(string Id, long Rows, int Files);
