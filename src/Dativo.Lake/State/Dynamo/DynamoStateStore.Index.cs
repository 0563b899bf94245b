using System.Collections.Concurrent;
using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Dativo.Lake.State.Dynamo;

/// <summary>
/// <see cref="IStateIndex"/> on DynamoDB without transactions or secondary indexes: the rows of namespace N are items of
/// partition <c>N␟idx</c> with sort key <c>MILLISECONDS(15 digits)|KEY</c>, so one Query in reverse reads newest first. A
/// write puts the row first (with a fresh tag), then the entry naming that row (<c>idx_sk</c>, <c>idx_tag</c>), then
/// deletes the entry's previous row. A query checks every row it returns against its entry (one BatchGetItem of small
/// projections): a row the entry does not name is skipped (removed once older than <see cref="OrphanGrace"/>: a write
/// that never finished), a row at the right place with stale data is rewritten from the entry, and an entry whose row is
/// elsewhere (written without the index) is re-indexed and the query runs again. Entries stored before the index existed
/// are indexed once per table (a marker item records it).
/// </summary>
internal sealed partial class DynamoStateStore : IStateIndex
{
    private const string IndexSuffix = "\u001Fidx";
    private const string MetaSuffix = "\u001Fmeta";
    private const string BuiltMarker = "index-built";
    private const int MaxIndexedKeyBytes = 1000;
    private static readonly TimeSpan OrphanGrace = TimeSpan.FromMinutes(10);

    /// <summary>The projection of each namespace queried through this object: its plain writes are indexed with it.</summary>
    private readonly ConcurrentDictionary<string, Func<StateEntry, StateIndexEntry?>> _projections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _built = new(StringComparer.Ordinal);

    /// <summary>Fault injection for tests: runs between the row's write and the entry's (a throw there is a crash between the two).</summary>
    internal Func<string, Task>? AfterRowWritten { get; set; }

    public async Task<StatePutResult> PutIndexedAsync(string ns, string key, string json, StateIndexEntry index, long? expectedVersion = null, TimeSpan? ttl = null, CancellationToken ct = default)
    {
        StateKeys.Validate(ns, key);
        StateKeys.ValidateJson(json);
        ValidateRow(key, index);
        if (expectedVersion < 0) throw new ArgumentOutOfRangeException(nameof(expectedVersion), "expected version must be null, 0 (create) or a version");
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), "ttl must be positive");
        await PurgeIfDueAsync(ct);

        var sk = SortKey(index.AtMs, key);
        var tag = Guid.NewGuid().ToString("N");
        long? expires = ttl is { } t ? NowMs() + (long)t.TotalMilliseconds : null;
        var before = await CurrentRowAsync(ns, key, ct);
        await PutRowAsync(ns, key, sk, tag, index, expires, ct);
        if (AfterRowWritten is { } hook) await hook(key);
        var result = await WriteAsync(ns, key, json, expectedVersion, ttl, (sk, tag), ct);
        if (result.Succeeded)
        {
            if (before is { } old && old != sk) await DeleteRowAsync(ns, old, null, ct);
        }
        else if (before != sk)
        {
            await DeleteRowAsync(ns, sk, tag, ct); // our row names a write that did not happen
        }
        return result;
    }

    public async Task<StateIndexPage> QueryIndexAsync(string ns, StateIndexQuery query, Func<StateEntry, StateIndexEntry?> project, CancellationToken ct = default)
    {
        StateKeys.ValidatePrefix(ns, "");
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(project);
        query.Validate();
        _projections[ns] = project;
        if (!_built.ContainsKey(ns)) await BuildOnceAsync(ns, project, ct);
        for (var attempt = 0; ; attempt++)
        {
            var (page, moved) = await QueryOnceAsync(ns, query, project, ct);
            if (!moved || attempt == 2) return page;
        }
    }

    private async Task<(StateIndexPage Page, bool Moved)> QueryOnceAsync(string ns, StateIndexQuery q, Func<StateEntry, StateIndexEntry?> project, CancellationToken ct)
    {
        var values = new Dictionary<string, AttributeValue> { [":p"] = S(ns + IndexSuffix) };
        string? lo = q.Since is { } since ? SortPrefix(since.ToUnixTimeMilliseconds()) : null;
        string? hi = Min(q.Until is { } until ? SortPrefix(until.ToUnixTimeMilliseconds()) : null, q.Before is { } b ? SortKey(b.AtMs, b.Key) : null);
        var condition = "#ns = :p";
        if (lo is not null && hi is not null)
        {
            if (StateKeys.Compare(lo, hi) >= 0) return (new StateIndexPage([], null), false);
            condition += " AND #k BETWEEN :lo AND :hi";
        }
        else if (lo is not null) condition += " AND #k >= :lo";
        else if (hi is not null) condition += " AND #k < :hi";
        if (lo is not null) values[":lo"] = S(lo);
        if (hi is not null) values[":hi"] = S(hi);

        var rows = new List<StateIndexRow>();
        var moved = false;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var request = new QueryRequest
            {
                TableName = _where.Table, KeyConditionExpression = condition, ConsistentRead = true, ScanIndexForward = false,
                ExpressionAttributeNames = condition.Contains("#k", StringComparison.Ordinal) ? new() { ["#ns"] = "namespace", ["#k"] = "state_key" } : new() { ["#ns"] = "namespace" },
                ExpressionAttributeValues = values,
                ExclusiveStartKey = start, Limit = Math.Min(500, (q.Limit + 1) * 2),
            };
            var response = await CallAsync(token => _client.QueryAsync(request, token), ct);
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            var now = NowMs();
            var candidates = (response.Items ?? [])
                .Where(i => Live(i, now) && i["state_key"].S != hi)
                .Select(i => (Item: i, Row: ReadRow(i)))
                .Where(x => q.Keeps(x.Row)).ToList();
            var (kept, anyMoved) = await VerifyAsync(ns, candidates, project, ct);
            moved |= anyMoved;
            rows.AddRange(kept.Where(q.Keeps));
        }
        while (start is not null && rows.Count <= q.Limit);
        rows.Sort(StateIndexRow.NewestFirst);
        if (rows.Count <= q.Limit) return (new StateIndexPage(rows, null), moved);
        var page = rows.Take(q.Limit).ToList();
        return (new StateIndexPage(page, page[^1].Cursor), moved);
    }

    /// <summary>The rows their entries name (rewritten from the entry where it changed without them); true when an entry was re-indexed elsewhere.</summary>
    private async Task<(List<StateIndexRow> Kept, bool Moved)> VerifyAsync(
        string ns, List<(Dictionary<string, AttributeValue> Item, StateIndexRow Row)> candidates, Func<StateEntry, StateIndexEntry?> project, CancellationToken ct)
    {
        var kept = new List<StateIndexRow>();
        var moved = false;
        var now = NowMs();
        var entries = await GetEntryHeadsAsync(ns, candidates.Select(c => c.Row.Key).Distinct(StringComparer.Ordinal).ToList(), ct);
        foreach (var (item, row) in candidates)
        {
            var sk = item["state_key"].S;
            var tag = item.TryGetValue("tag", out var tg) ? tg.S : null;
            var old = item.TryGetValue("updated_at", out var u) && now - long.Parse(u.N, CultureInfo.InvariantCulture) > (long)OrphanGrace.TotalMilliseconds;
            if (!entries.TryGetValue(row.Key, out var head) || !Live(head, now))
            {
                if (old) await DeleteRowAsync(ns, sk, tag, ct);
                continue;
            }
            var headSk = head.TryGetValue("idx_sk", out var hs) ? hs.S : null;
            var headTag = head.TryGetValue("idx_tag", out var ht) ? ht.S : null;
            var version = long.Parse(head["version"].N, CultureInfo.InvariantCulture);
            if (headSk == sk && headTag is not null && headTag == tag)
            {
                kept.Add(row with { Version = version });
                continue;
            }
            if (headTag is not null && headSk != sk)
            {
                if (old) await DeleteRowAsync(ns, sk, tag, ct); // a row of a write that never finished, or of a place the entry left
                continue;
            }
            // the entry changed without its row: index it again from the entry
            var entry = await GetAsync(ns, row.Key, ct);
            if (entry is null) continue;
            var fresh = project(entry);
            if (fresh is null)
            {
                await DeleteRowAsync(ns, sk, null, ct);
                continue;
            }
            var newSk = SortKey(fresh.AtMs, entry.Key);
            await IndexEntryAsync(ns, entry, fresh, ct);
            if (newSk != sk)
            {
                await DeleteRowAsync(ns, sk, null, ct);
                moved = true;
            }
            else kept.Add(new StateIndexRow(entry.Key, fresh.AtMs, fresh.Group, fresh.Status, fresh.Summary, entry.Version));
        }
        return (kept, moved);
    }

    /// <summary>Writes the entry's row from <paramref name="row"/> and names it in the entry, unless the entry changed meanwhile.</summary>
    private async Task IndexEntryAsync(string ns, StateEntry entry, StateIndexEntry row, CancellationToken ct)
    {
        ValidateRow(entry.Key, row);
        var sk = SortKey(row.AtMs, entry.Key);
        var tag = Guid.NewGuid().ToString("N");
        await PutRowAsync(ns, entry.Key, sk, tag, row, entry.ExpiresAt?.ToUnixTimeMilliseconds(), ct);
        try
        {
            await CallAsync(token => _client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _where.Table, Key = Key(ns, entry.Key),
                UpdateExpression = "SET #isk = :isk, #itag = :itag", ConditionExpression = "#ver = :v",
                ExpressionAttributeNames = new() { ["#isk"] = "idx_sk", ["#itag"] = "idx_tag", ["#ver"] = "version" },
                ExpressionAttributeValues = new() { [":isk"] = S(sk), [":itag"] = S(tag), [":v"] = Number(entry.Version) },
            }, token), ct);
        }
        catch (ConditionalCheckFailedException)
        {
            // written again meanwhile: that write indexed it
        }
    }

    /// <summary>Indexes every entry of the namespace once per table (entries stored before the index existed), then records it.</summary>
    private async Task BuildOnceAsync(string ns, Func<StateEntry, StateIndexEntry?> project, CancellationToken ct)
    {
        var marker = await CallAsync(token => _client.GetItemAsync(new GetItemRequest
        {
            TableName = _where.Table, Key = Key(ns + MetaSuffix, BuiltMarker), ConsistentRead = true,
        }, token), ct);
        if (marker.Item is not { Count: > 0 })
        {
            await foreach (var e in ListAsync(ns, "", ct))
                if (project(e) is { } row) await IndexEntryAsync(ns, e, row, ct);
            await CallAsync(token => _client.PutItemAsync(new PutItemRequest
            {
                TableName = _where.Table,
                Item = new() { ["namespace"] = S(ns + MetaSuffix), ["state_key"] = S(BuiltMarker), ["version"] = Number(1), ["updated_at"] = Number(NowMs()), ["state_value"] = S("true") },
            }, token), ct);
        }
        _built[ns] = true;
    }

    /// <summary>version, expiry and index attributes of entries (not their values), by key.</summary>
    private async Task<Dictionary<string, Dictionary<string, AttributeValue>>> GetEntryHeadsAsync(string ns, IReadOnlyList<string> keys, CancellationToken ct)
    {
        var found = new Dictionary<string, Dictionary<string, AttributeValue>>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(100))
        {
            var pending = new Dictionary<string, KeysAndAttributes>
            {
                [_where.Table] = new KeysAndAttributes
                {
                    Keys = [.. chunk.Select(k => Key(ns, k))], ConsistentRead = true,
                    ProjectionExpression = "#k, #ver, #exp, #isk, #itag",
                    ExpressionAttributeNames = new() { ["#k"] = "state_key", ["#ver"] = "version", ["#exp"] = "expires_at", ["#isk"] = "idx_sk", ["#itag"] = "idx_tag" },
                },
            };
            for (var round = 0; pending.Count > 0; round++)
            {
                var request = new BatchGetItemRequest { RequestItems = pending };
                var response = await CallAsync(token => _client.BatchGetItemAsync(request, token), ct);
                foreach (var item in response.Responses?.GetValueOrDefault(_where.Table) ?? []) found[item["state_key"].S] = item;
                pending = response.UnprocessedKeys is { Count: > 0 } u ? u : [];
                if (pending.Count > 0) await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 20 << Math.Min(round, 5))), _time, ct);
            }
        }
        return found;
    }

    private async Task<string?> CurrentRowAsync(string ns, string key, CancellationToken ct) =>
        (await GetEntryHeadsAsync(ns, [key], ct)).GetValueOrDefault(key)?.GetValueOrDefault("idx_sk")?.S;

    private Task PutRowAsync(string ns, string key, string sk, string tag, StateIndexEntry row, long? expires, CancellationToken ct)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["namespace"] = S(ns + IndexSuffix), ["state_key"] = S(sk), ["row_key"] = S(key), ["tag"] = S(tag),
            ["at"] = Number(row.AtMs), ["summary"] = S(row.Summary), ["updated_at"] = Number(NowMs()),
        };
        if (row.Group.Length > 0) item["grp"] = S(row.Group);
        if (row.Status.Length > 0) item["st"] = S(row.Status);
        if (expires is { } e)
        {
            item["expires_at"] = Number(e);
            item["expires_epoch"] = Number(e / 1000 + 1);
        }
        return CallAsync(token => _client.PutItemAsync(new PutItemRequest { TableName = _where.Table, Item = item }, token), ct);
    }

    /// <summary>Deletes a row (only while it has <paramref name="tag"/>, when given: a row rewritten meanwhile stays).</summary>
    private async Task DeleteRowAsync(string ns, string sk, string? tag, CancellationToken ct)
    {
        try
        {
            await CallAsync(token => _client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _where.Table, Key = Key(ns + IndexSuffix, sk),
                ConditionExpression = tag is null ? null : "#tag = :tag",
                ExpressionAttributeNames = tag is null ? null : new() { ["#tag"] = "tag" },
                ExpressionAttributeValues = tag is null ? null : new() { [":tag"] = S(tag) },
            }, token), ct);
        }
        catch (ConditionalCheckFailedException)
        {
        }
    }

    private static StateIndexRow ReadRow(Dictionary<string, AttributeValue> i) => new(
        i["row_key"].S, long.Parse(i["at"].N, CultureInfo.InvariantCulture), i.GetValueOrDefault("grp")?.S ?? "", i.GetValueOrDefault("st")?.S ?? "", i["summary"].S, 0);

    private static void ValidateRow(string key, StateIndexEntry row) => StateIndexChecks.Validate(key, row);

    /// <summary>Rows sort as text: the time zero-padded to 15 digits (until the year 33658), then the key.</summary>
    private static string SortKey(long atMs, string key) => SortPrefix(atMs) + "|" + key;

    private static string SortPrefix(long atMs) => Math.Max(0, atMs).ToString("D15", CultureInfo.InvariantCulture);

    private static string? Min(string? a, string? b) => a is null ? b : b is null ? a : StateKeys.Compare(a, b) <= 0 ? a : b;

    private static AttributeValue S(string s) => new() { S = s };
}
