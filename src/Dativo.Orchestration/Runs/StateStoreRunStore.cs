using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Lake.State;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// Runs on the generic state store: one entry per run (namespace <c>orchestration.runs</c>, optimistic
/// versions) and items in chunks of <see cref="IRunStore.ChunkSize"/> (namespace <c>orchestration.items</c>),
/// so a 10,000-item fan-out costs tens of writes per flush instead of one per item. Admission slots of pipelines with
/// a concurrency limit are entries of namespace <c>orchestration.slots</c>, taken by compare-and-set on their version.
/// </summary>
public sealed class StateStoreRunStore(IStateStore state) : IRunStore
{
    public const string RunsNamespace = "orchestration.runs";
    public const string ItemsNamespace = "orchestration.items";
    public const string SlotsNamespace = "orchestration.slots";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public IStateStore State => state;

    public async Task<RunRecord?> GetRunAsync(string runId, CancellationToken ct)
    {
        var e = await state.GetAsync(RunsNamespace, runId, ct);
        return e is null ? null : Read(e);
    }

    public async Task<bool> TryPutRunAsync(RunRecord run, TimeSpan ttl, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(run, Json);
        var r = state is IStateIndex index
            ? await index.PutIndexedAsync(RunsNamespace, run.RunId, json, IndexEntry(RunRow.From(run)), run.Version, ttl, ct)
            : await state.PutAsync(RunsNamespace, run.RunId, json, run.Version, ttl, ct);
        if (r.Succeeded) run.Version = r.Version;
        return r.Succeeded;
    }

    public async IAsyncEnumerable<RunRecord> ListRunsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var e in state.ListAsync(RunsNamespace, "", ct)) yield return Read(e);
    }

    /// <summary>From the state store's index of runs (newest first, keyset paging); reads no run record.</summary>
    public async Task<RunPage> ListRecentAsync(RunListQuery q, CancellationToken ct)
    {
        if (state is not IStateIndex index) return await RunListing.ScanAsync(this, q, ct);
        var page = await index.QueryIndexAsync(RunsNamespace,
            new StateIndexQuery(q.Limit, q.Pipeline, q.Statuses, q.Since, q.Until, q.Before is { } b ? new StateIndexCursor(b.AtMs, b.RunId) : null),
            Project, ct);
        return new RunPage(page.Rows.Select(r => RunRow.Parse(r.Summary)).ToList(), page.Next is { } n ? new RunCursor(n.AtMs, n.Key) : null);
    }

    private static StateIndexEntry IndexEntry(RunRow row) => new(row.ListedAt, row.Pipeline, row.Status, row.ToJson());

    /// <summary>The index row of a stored run (for runs stored before the index, or whose row disagrees with the record); none for an unreadable record.</summary>
    private static StateIndexEntry? Project(StateEntry e)
    {
        try
        {
            return IndexEntry(RunRow.From(Read(e)));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyDictionary<int, ItemRecord>> GetItemsAsync(string runId, string task, CancellationToken ct)
    {
        var result = new Dictionary<int, ItemRecord>();
        await foreach (var e in state.ListAsync(ItemsNamespace, ChunkPrefix(runId, task), ct))
        {
            var chunk = JsonNode.Parse(e.Json)!.AsObject();
            foreach (var node in chunk["items"]!.AsArray())
            {
                var item = node.Deserialize<ItemRecord>(Json)!;
                result[item.Index] = item;
            }
        }
        return result;
    }

    public Task PutItemChunkAsync(string runId, string task, int chunk, IReadOnlyCollection<string> itemJson, TimeSpan ttl, CancellationToken ct) =>
        state.PutAsync(ItemsNamespace, $"{ChunkPrefix(runId, task)}{chunk:D6}", ChunkJson(itemJson, null), null, ttl, ct);

    public async Task PutItemChunkAsync(string runId, string task, int chunk, IReadOnlyCollection<string> itemJson, TimeSpan ttl, long fence, CancellationToken ct)
    {
        var key = $"{ChunkPrefix(runId, task)}{chunk:D6}";
        var json = ChunkJson(itemJson, fence);
        for (var i = 0; i < 100; i++)
        {
            // compare-and-set on the chunk, after checking the fences of the chunk and of the run: a stale owner's write is refused
            var current = await state.GetAsync(ItemsNamespace, key, ct);
            if ((current is null ? 0 : JsonNode.Parse(current.Json)?["fence"]?.GetValue<long>() ?? 0) is var f && f > fence) throw new RunFencedException(runId, fence, f);
            if (await GetRunAsync(runId, ct) is { Owner.Fence: var owner } && owner > fence) throw new RunFencedException(runId, fence, owner);
            if ((await state.PutAsync(ItemsNamespace, key, json, current?.Version ?? 0, ttl, ct)).Succeeded) return;
        }
        throw new Core.Errors.DativoException($"run {runId}: too many concurrent writers of items {key}");
    }

    private static string ChunkJson(IReadOnlyCollection<string> itemJson, long? fence)
    {
        var sb = new StringBuilder(fence is null ? "{" : $"{{\"fence\":{fence},");
        sb.Append("\"items\":[");
        var first = true;
        foreach (var j in itemJson)
        {
            if (!first) sb.Append(',');
            sb.Append(j);
            first = false;
        }
        sb.Append("]}");
        return sb.ToString();
    }

    public async Task<(string? RunId, long Version)> GetSlotAsync(string pipeline, int slot, CancellationToken ct)
    {
        var e = await state.GetAsync(SlotsNamespace, SlotKey(pipeline, slot), ct);
        return e is null ? (null, 0) : (JsonNode.Parse(e.Json)?["run_id"]?.GetValue<string>(), e.Version);
    }

    public async Task<long?> TrySetSlotAsync(string pipeline, int slot, string? runId, long version, CancellationToken ct)
    {
        var json = new JsonObject { ["run_id"] = runId }.ToJsonString();
        var r = await state.PutAsync(SlotsNamespace, SlotKey(pipeline, slot), json, version, null, ct);
        return r.Succeeded ? r.Version : null;
    }

    private static string SlotKey(string pipeline, int slot) => $"{pipeline}|{slot:D4}";

    public async Task<bool> DeleteRunAsync(string runId, CancellationToken ct)
    {
        var keys = new List<string>();
        await foreach (var e in state.ListAsync(ItemsNamespace, runId + "|", ct)) keys.Add(e.Key);
        foreach (var k in keys) await state.DeleteAsync(ItemsNamespace, k, null, ct);
        return await state.DeleteAsync(RunsNamespace, runId, null, ct) || keys.Count > 0;
    }

    private static string ChunkPrefix(string runId, string task) => $"{runId}|{task}|";

    private static RunRecord Read(StateEntry e)
    {
        var r = JsonSerializer.Deserialize<RunRecord>(e.Json, Json)!;
        r.Version = e.Version;
        return r;
    }
}
