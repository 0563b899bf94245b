using Dativo.Ingestion.Records;
using Dativo.Ingestion.State;

namespace Dativo.Ingestion.Sources;

/// <summary>
/// Reads records not yet ingested according to <see cref="SourceState"/> and records in it where it
/// stopped. The runner persists that state only together with the table commit. A batch is valid until the next
/// one is requested (sources may reuse their buffers): consume or copy it before moving on.
/// </summary>
internal interface ISource
{
    IAsyncEnumerable<RawBatch> ReadAsync(SourceState state, CancellationToken ct);
}
