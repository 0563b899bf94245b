namespace Dativo.Orchestration.Runs;

/// <summary>Durable runs and items. The default implementation sits on <see cref="Lake.State.IStateStore"/>.</summary>
public interface IRunStore
{
    Task<RunRecord?> GetRunAsync(string runId, CancellationToken ct);

    /// <summary>Writes at <see cref="RunRecord.Version"/> (0 creates). False on a version conflict; on success the version is updated.</summary>
    Task<bool> TryPutRunAsync(RunRecord run, TimeSpan ttl, CancellationToken ct);

    /// <summary>Every stored run, in no particular order (reads every record: for a page of runs use <see cref="ListRecentAsync"/>).</summary>
    IAsyncEnumerable<RunRecord> ListRunsAsync(CancellationToken ct);

    /// <summary>A page of runs, newest first (started, else created; then run id descending), from an index where the store has one.</summary>
    Task<RunPage> ListRecentAsync(RunListQuery query, CancellationToken ct) => RunListing.ScanAsync(this, query, ct);

    Task<IReadOnlyDictionary<int, ItemRecord>> GetItemsAsync(string runId, string task, CancellationToken ct);

    /// <summary>Writes a chunk of items of one task (chunks are numbered index / <see cref="ChunkSize"/>), for single-writer records (job runs).</summary>
    Task PutItemChunkAsync(string runId, string task, int chunk, IReadOnlyCollection<string> itemJson, TimeSpan ttl, CancellationToken ct);

    /// <summary>
    /// Writes a chunk of items as the owner holding <paramref name="fence"/>: refused with <see cref="RunFencedException"/>
    /// when the chunk or the run record carries a higher fence (another worker took the run over).
    /// </summary>
    Task PutItemChunkAsync(string runId, string task, int chunk, IReadOnlyCollection<string> itemJson, TimeSpan ttl, long fence, CancellationToken ct);

    /// <summary>
    /// Who holds admission slot <paramref name="slot"/> of a pipeline with a concurrency limit (null: free) and the
    /// slot's version (0: never claimed). Slots are taken with <see cref="TrySetSlotAsync"/>, so two runs that start at
    /// the same instant cannot both take the last one.
    /// </summary>
    Task<(string? RunId, long Version)> GetSlotAsync(string pipeline, int slot, CancellationToken ct);

    /// <summary>Sets the slot's holder (null frees it) only if the slot is still at <paramref name="version"/>; the new version, or null when another run changed it first.</summary>
    Task<long?> TrySetSlotAsync(string pipeline, int slot, string? runId, long version, CancellationToken ct);

    /// <summary>Forgets a run and its items (for a full restart). False when it did not exist.</summary>
    Task<bool> DeleteRunAsync(string runId, CancellationToken ct);

    const int ChunkSize = 256;
}
