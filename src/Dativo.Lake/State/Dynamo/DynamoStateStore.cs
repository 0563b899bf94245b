using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Dativo.Core.Errors;

namespace Dativo.Lake.State.Dynamo;

/// <summary>
/// <see cref="IStateStore"/> on one DynamoDB table: partition key <c>namespace</c>, sort key <c>state_key</c>, so a
/// namespace lists in key order with one Query. Versions are compare-and-set by condition expressions (no
/// transactions: one item per write). Expiry is judged on <see cref="TimeProvider"/> time (<c>expires_at</c>, ms);
/// <c>expires_epoch</c> (seconds) lets DynamoDB's own TTL delete expired items too when it is enabled on the table.
/// Values over 16 KB are stored gzip-compressed (items are limited to 400 KB).
/// </summary>
internal sealed partial class DynamoStateStore : IStateStore, IDisposable
{
    private const int CompressAbove = 16 * 1024;
    private const int MaxStoredValueBytes = 380 * 1024;

    private static readonly Dictionary<string, string> Names = new()
    {
        ["#ns"] = "namespace", ["#k"] = "state_key", ["#v"] = "state_value", ["#vz"] = "state_value_gz",
        ["#ver"] = "version", ["#upd"] = "updated_at", ["#exp"] = "expires_at", ["#ttl"] = "expires_epoch",
        ["#isk"] = "idx_sk", ["#itag"] = "idx_tag",
    };

    private readonly IAmazonDynamoDB _client;
    private readonly DynamoLocation _where;
    private readonly TimeProvider _time;
    private readonly TimeSpan _purgeInterval;
    private readonly SemaphoreSlim _tableGate = new(1, 1);
    private volatile bool _tableReady;
    private long _lastPurgeMs = long.MinValue;

    public DynamoStateStore(DynamoLocation where, TimeProvider time, TimeSpan purgeInterval, Func<string, string?> env)
    {
        _where = where;
        _time = time;
        _purgeInterval = purgeInterval;
        _client = DynamoClients.Create(where, env);
    }

    public async Task<StateEntry?> GetAsync(string ns, string key, CancellationToken ct = default)
    {
        StateKeys.Validate(ns, key);
        var item = await CallAsync(async token => (await _client.GetItemAsync(new GetItemRequest
        {
            TableName = _where.Table, Key = Key(ns, key), ConsistentRead = true,
        }, token)).Item, ct);
        return item is { Count: > 0 } && Live(item, NowMs()) ? Read(item) : null;
    }

    public async Task<StatePutResult> PutAsync(string ns, string key, string json, long? expectedVersion = null, TimeSpan? ttl = null, CancellationToken ct = default)
    {
        StateKeys.Validate(ns, key);
        StateKeys.ValidateJson(json);
        if (expectedVersion < 0) throw new ArgumentOutOfRangeException(nameof(expectedVersion), "expected version must be null, 0 (create) or a version");
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), "ttl must be positive");
        if (_projections.TryGetValue(ns, out var project) && project(new StateEntry(ns, key, json, 0, _time.GetUtcNow(), null)) is { } row)
            return await PutIndexedAsync(ns, key, json, row, expectedVersion, ttl, ct);
        await PurgeIfDueAsync(ct);
        return await WriteAsync(ns, key, json, expectedVersion, ttl, null, ct);
    }

    /// <summary>The conditional write of an entry; with <paramref name="index"/> it also names the entry's index row, else it marks the row stale.</summary>
    private async Task<StatePutResult> WriteAsync(string ns, string key, string json, long? expectedVersion, TimeSpan? ttl, (string Sk, string Tag)? index, CancellationToken ct)
    {
        var now = NowMs();
        var values = new Dictionary<string, AttributeValue>
        {
            [":zero"] = Number(0), [":one"] = Number(1), [":now"] = Number(now),
        };
        var set = new List<string> { "#ver = if_not_exists(#ver, :zero) + :one", "#upd = :now" };
        var remove = new List<string>();
        var bytes = Encoding.UTF8.GetBytes(json);
        if (bytes.Length > CompressAbove)
        {
            var packed = Gzip(bytes);
            if (packed.Length > MaxStoredValueBytes)
                throw new DativoException($"state value {ns}/{key} is {bytes.Length:N0} bytes ({packed.Length:N0} compressed); the DynamoDB state store {_where} holds at most {MaxStoredValueBytes / 1024} KB per entry");
            values[":vz"] = new AttributeValue { B = new MemoryStream(packed) };
            set.Add("#vz = :vz");
            remove.Add("#v");
        }
        else
        {
            values[":v"] = new AttributeValue { S = json };
            set.Add("#v = :v");
            remove.Add("#vz");
        }
        if (index is { } ix)
        {
            values[":isk"] = new AttributeValue { S = ix.Sk };
            values[":itag"] = new AttributeValue { S = ix.Tag };
            set.Add("#isk = :isk");
            set.Add("#itag = :itag");
        }
        else
        {
            remove.Add("#itag");
        }
        if (ttl is { } t)
        {
            var expires = now + (long)t.TotalMilliseconds;
            values[":exp"] = Number(expires);
            values[":ttl"] = Number(expires / 1000 + 1);
            set.Add("#exp = :exp");
            set.Add("#ttl = :ttl");
        }
        else
        {
            remove.Add("#exp");
            remove.Add("#ttl");
        }
        string? condition = expectedVersion switch
        {
            null => null,
            0 => "attribute_not_exists(#ver) OR #exp <= :now",
            _ => "#ver = :expected AND (attribute_not_exists(#exp) OR #exp > :now)",
        };
        if (expectedVersion > 0) values[":expected"] = Number(expectedVersion.Value);
        var request = new UpdateItemRequest
        {
            TableName = _where.Table,
            Key = Key(ns, key),
            UpdateExpression = "SET " + string.Join(", ", set) + " REMOVE " + string.Join(", ", remove),
            ConditionExpression = condition,
            ExpressionAttributeNames = Used(set, remove, condition),
            ExpressionAttributeValues = values,
            ReturnValues = ReturnValue.UPDATED_NEW,
        };
        try
        {
            var response = await CallAsync(token => _client.UpdateItemAsync(request, token), ct);
            return new StatePutResult(true, long.Parse(response.Attributes["version"].N, CultureInfo.InvariantCulture));
        }
        catch (ConditionalCheckFailedException)
        {
            var current = await GetAsync(ns, key, ct);
            return new StatePutResult(false, current?.Version ?? 0);
        }
    }

    public async Task<bool> DeleteAsync(string ns, string key, long? expectedVersion = null, CancellationToken ct = default)
    {
        StateKeys.Validate(ns, key);
        var values = new Dictionary<string, AttributeValue> { [":now"] = Number(NowMs()) };
        var condition = "attribute_exists(#ver) AND (attribute_not_exists(#exp) OR #exp > :now)";
        if (expectedVersion is { } v)
        {
            values[":expected"] = Number(v);
            condition += " AND #ver = :expected";
        }
        try
        {
            var deleted = await CallAsync(token => _client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _where.Table, Key = Key(ns, key), ConditionExpression = condition,
                ExpressionAttributeNames = Used([], [], condition), ExpressionAttributeValues = values, ReturnValues = ReturnValue.ALL_OLD,
            }, token), ct);
            if (deleted.Attributes?.TryGetValue("idx_sk", out var sk) == true && sk.S is not null) await DeleteRowAsync(ns, sk.S, null, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async IAsyncEnumerable<StateEntry> ListAsync(string ns, string prefix = "", [EnumeratorCancellation] CancellationToken ct = default)
    {
        StateKeys.ValidatePrefix(ns, prefix);
        var values = new Dictionary<string, AttributeValue> { [":ns"] = new() { S = ns } };
        var condition = "#ns = :ns";
        if (prefix.Length > 0)
        {
            values[":p"] = new AttributeValue { S = prefix };
            condition += " AND begins_with(#k, :p)";
        }
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var request = new QueryRequest
            {
                TableName = _where.Table, KeyConditionExpression = condition, ConsistentRead = true,
                ExpressionAttributeNames = Used([], [], condition), ExpressionAttributeValues = values,
                ExclusiveStartKey = start,
            };
            var page = await CallAsync(token => _client.QueryAsync(request, token), ct);
            var now = NowMs();
            foreach (var item in page.Items ?? [])
                if (Live(item, now)) yield return Read(item);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
    }

    public async Task<int> PurgeExpiredAsync(CancellationToken ct = default)
    {
        var now = NowMs();
        Volatile.Write(ref _lastPurgeMs, now);
        var values = new Dictionary<string, AttributeValue> { [":now"] = Number(now) };
        var purged = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var request = new ScanRequest
            {
                TableName = _where.Table, FilterExpression = "#exp <= :now", ProjectionExpression = "#ns, #k",
                ExpressionAttributeNames = new() { ["#exp"] = "expires_at", ["#ns"] = "namespace", ["#k"] = "state_key" },
                ExpressionAttributeValues = values, ConsistentRead = true, ExclusiveStartKey = start,
            };
            var page = await CallAsync(token => _client.ScanAsync(request, token), ct);
            foreach (var item in page.Items ?? [])
            {
                try
                {
                    // only if still expired: an entry re-created meanwhile stays
                    await CallAsync(token => _client.DeleteItemAsync(new DeleteItemRequest
                    {
                        TableName = _where.Table, Key = Key(item["namespace"].S, item["state_key"].S), ConditionExpression = "#exp <= :now",
                        ExpressionAttributeNames = new() { ["#exp"] = "expires_at" }, ExpressionAttributeValues = values,
                    }, token), ct);
                    purged++;
                }
                catch (ConditionalCheckFailedException)
                {
                }
            }
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return purged;
    }

    private async Task PurgeIfDueAsync(CancellationToken ct)
    {
        var last = Volatile.Read(ref _lastPurgeMs);
        if (last != long.MinValue && NowMs() - last < (long)_purgeInterval.TotalMilliseconds) return;
        await PurgeExpiredAsync(ct);
    }

    /// <summary>Every call: the table exists (created on first use), and service failures become errors that name the table.</summary>
    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        if (!_tableReady) await EnsureTableAsync(ct);
        try
        {
            return await call(ct);
        }
        catch (ResourceNotFoundException e)
        {
            _tableReady = false;
            throw new DativoException($"state store {_where}: the table is gone ({e.Message}); it is created again on the next use");
        }
        catch (Exception e) when (e is AmazonServiceException and not ConditionalCheckFailedException || e is AmazonClientException or HttpRequestException)
        {
            throw Describe(e);
        }
    }

    private async Task EnsureTableAsync(CancellationToken ct)
    {
        await _tableGate.WaitAsync(ct);
        try
        {
            if (_tableReady) return;
            try
            {
                await DynamoTables.EnsureAsync(_client, _where.Table, ct);
            }
            catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
            {
                throw Describe(e);
            }
            _tableReady = true;
        }
        finally
        {
            _tableGate.Release();
        }
    }

    private DativoException Describe(Exception e) => new(
        $"state store {_where}: {(e as AmazonServiceException)?.ErrorCode ?? e.GetType().Name}: {e.Message}; check the region, the endpoint and the AWS credentials (dynamodb:GetItem, BatchGetItem, PutItem, UpdateItem, DeleteItem, Query, Scan, DescribeTable, CreateTable on the table)");

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static Dictionary<string, AttributeValue> Key(string ns, string key) => new()
    {
        ["namespace"] = new AttributeValue { S = ns },
        ["state_key"] = new AttributeValue { S = key },
    };

    private static AttributeValue Number(long n) => new() { N = n.ToString(CultureInfo.InvariantCulture) };

    private static Dictionary<string, string> Used(List<string> set, List<string> remove, string? condition)
    {
        var text = string.Join(" ", set.Concat(remove).Append(condition ?? ""));
        // a placeholder is used when it appears followed by a non-name character (#v vs #vz, #ver)
        return Names.Where(n => System.Text.RegularExpressions.Regex.IsMatch(text, System.Text.RegularExpressions.Regex.Escape(n.Key) + @"(?![A-Za-z0-9_])"))
            .ToDictionary(n => n.Key, n => n.Value);
    }

    private static bool Live(Dictionary<string, AttributeValue> item, long nowMs) =>
        !item.TryGetValue("expires_at", out var e) || e.N is null || long.Parse(e.N, CultureInfo.InvariantCulture) > nowMs;

    private static StateEntry Read(Dictionary<string, AttributeValue> item)
    {
        string json;
        if (item.TryGetValue("state_value_gz", out var z) && z.B is not null)
            json = Encoding.UTF8.GetString(Gunzip(z.B.ToArray()));
        else
            json = item["state_value"].S;
        long? expires = item.TryGetValue("expires_at", out var e) && e.N is not null ? long.Parse(e.N, CultureInfo.InvariantCulture) : null;
        return new StateEntry(
            item["namespace"].S, item["state_key"].S, json,
            long.Parse(item["version"].N, CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(item["updated_at"].N, CultureInfo.InvariantCulture)),
            expires is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(expires.Value));
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public void Dispose()
    {
        _client.Dispose();
        _tableGate.Dispose();
    }
}
