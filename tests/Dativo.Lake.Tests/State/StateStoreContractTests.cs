using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Lake.State;
using Microsoft.Extensions.Time.Testing;

namespace Dativo.Lake.Tests.State;

/// <summary>
/// The conformance suite of <see cref="IStateStore"/>: behaviour every backend (SQLite, PostgreSQL, DynamoDB) must have;
/// subclasses supply the database.
/// </summary>
public abstract partial class StateStoreContractTests
{
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    /// <summary>Unique per test, so tests sharing a database do not see each other.</summary>
    protected string Ns { get; } = "ns-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A new store object (own connections) over the same database each call.</summary>
    protected abstract IStateStore NewStore();

    protected virtual void SkipIfUnavailable()
    {
    }

    [SkippableFact]
    public async Task Put_get_list_delete_with_versions()
    {
        SkipIfUnavailable();
        var s = NewStore();
        Assert.Null(await s.GetAsync(Ns, "cursor"));
        var v1 = await s.PutAsync(Ns, "cursor", """{"offset":1}""");
        Assert.Equal(new StatePutResult(true, 1), v1);
        var v2 = await s.PutAsync(Ns, "cursor", """{"offset":2}""");
        Assert.Equal(2, v2.Version);
        var e = await NewStore().GetAsync(Ns, "cursor");
        Assert.NotNull(e);
        Assert.Equal(("""{"offset":2}""", 2L, Clock.GetUtcNow(), (DateTimeOffset?)null), (e.Json, e.Version, e.UpdatedAt, e.ExpiresAt));
        Assert.Null(await s.GetAsync("other-" + Ns, "cursor"));

        await s.PutAsync(Ns, "runs/2026-01-02/b", "{}");
        await s.PutAsync(Ns, "runs/2026-01-02/a", "[1,2]");
        await s.PutAsync(Ns, "runs/2026-01-01/z", "null");
        await s.PutAsync(Ns, "runsX", "1");
        Assert.Equal(["runs/2026-01-01/z", "runs/2026-01-02/a", "runs/2026-01-02/b"], await s.ListAsync(Ns, "runs/").Select(x => x.Key).ToListAsync());
        Assert.Equal(5, await s.ListAsync(Ns).CountAsync());

        Assert.False(await s.DeleteAsync(Ns, "cursor", expectedVersion: 1));
        Assert.True(await s.DeleteAsync(Ns, "cursor", expectedVersion: 2));
        Assert.False(await s.DeleteAsync(Ns, "cursor"));
        Assert.Null(await s.GetAsync(Ns, "cursor"));
        await Assert.ThrowsAsync<ArgumentException>(() => s.PutAsync(Ns, "bad", "{not json"));
    }

    [SkippableFact]
    public async Task Optimistic_versions_detect_conflicts()
    {
        SkipIfUnavailable();
        var a = NewStore();
        var b = NewStore();
        Assert.True((await a.PutAsync(Ns, "k", "1", expectedVersion: 0)).Succeeded);
        Assert.Equal(new StatePutResult(false, 1), await b.PutAsync(Ns, "k", "2", expectedVersion: 0));
        Assert.Equal(new StatePutResult(true, 2), await b.PutAsync(Ns, "k", "2", expectedVersion: 1));
        Assert.Equal(new StatePutResult(false, 2), await a.PutAsync(Ns, "k", "3", expectedVersion: 1));
        Assert.Equal(new StatePutResult(false, 0), await a.PutAsync(Ns, "missing", "3", expectedVersion: 4));
        Assert.Equal("2", (await a.GetAsync(Ns, "k"))!.Json);
    }

    [SkippableFact]
    public async Task Racing_conditional_writers_have_exactly_one_winner_per_version()
    {
        SkipIfUnavailable();
        await NewStore().PutAsync(Ns, "lease", "\"free\"");
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var s = NewStore();
            start.Wait();
            return await s.PutAsync(Ns, "lease", $"\"owner-{i}\"", expectedVersion: 1);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(1, results.Count(r => r.Succeeded));
        Assert.All(results.Where(r => r.Conflict), r => Assert.Equal(2, r.Version));
        var winner = Array.FindIndex(results, r => r.Succeeded);
        Assert.Equal($"\"owner-{winner}\"", (await NewStore().GetAsync(Ns, "lease"))!.Json);
    }

    [SkippableFact]
    public async Task Expired_entries_are_invisible_replaceable_and_purged()
    {
        SkipIfUnavailable();
        var s = NewStore();
        await s.PutAsync(Ns, "short", "1", ttl: TimeSpan.FromMinutes(1));
        await s.PutAsync(Ns, "long", "2", ttl: TimeSpan.FromHours(1));
        await s.PutAsync(Ns, "forever", "3");
        Assert.Equal(Clock.GetUtcNow().AddMinutes(1), (await s.GetAsync(Ns, "short"))!.ExpiresAt);

        Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(await s.GetAsync(Ns, "short"));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await s.GetAsync(Ns, "short"));
        Assert.Equal(["forever", "long"], await s.ListAsync(Ns).Select(e => e.Key).ToListAsync());
        Assert.False(await s.DeleteAsync(Ns, "short"));
        Assert.Equal(new StatePutResult(false, 0), await s.PutAsync(Ns, "short", "9", expectedVersion: 1));

        // An expired entry counts as absent for create-only writes.
        var recreated = await s.PutAsync(Ns, "short", "\"again\"", expectedVersion: 0);
        Assert.True(recreated.Succeeded);
        Assert.Equal("\"again\"", (await s.GetAsync(Ns, "short"))!.Json);
        Assert.Null((await s.GetAsync(Ns, "short"))!.ExpiresAt);

        Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(["forever", "short"], await s.ListAsync(Ns).Select(e => e.Key).ToListAsync());
        Assert.True(await s.PurgeExpiredAsync() >= 1);
        Assert.Equal(0, await s.PurgeExpiredAsync());
        Assert.Equal(0, await CountRowsAsync("long"));
        Assert.Equal(1, await CountRowsAsync("forever"));
    }

    [SkippableFact]
    public async Task Create_only_replace_and_delete_at_version_report_the_current_version()
    {
        SkipIfUnavailable();
        var s = NewStore();
        Assert.Equal(new StatePutResult(true, 1), await s.PutAsync(Ns, "k", "\"a\"", expectedVersion: 0));
        Assert.Equal(new StatePutResult(true, 2), await s.PutAsync(Ns, "k", "\"b\"", expectedVersion: 1));
        Assert.Equal(new StatePutResult(false, 2), await s.PutAsync(Ns, "k", "\"c\"", expectedVersion: 0));
        Assert.Equal(new StatePutResult(false, 2), await s.PutAsync(Ns, "k", "\"c\"", expectedVersion: 3));
        Assert.False(await s.DeleteAsync(Ns, "k", expectedVersion: 1));
        Assert.Equal("\"b\"", (await s.GetAsync(Ns, "k"))!.Json);
        Assert.True(await s.DeleteAsync(Ns, "k", expectedVersion: 2));
        Assert.Equal(new StatePutResult(false, 0), await s.PutAsync(Ns, "k", "\"d\"", expectedVersion: 2));
        Assert.True((await s.PutAsync(Ns, "k", "\"e\"", expectedVersion: 0)).Succeeded);
        Assert.Equal(new StatePutResult(true, 2), await s.PutAsync(Ns, "k", "\"f\"")); // unconditional bumps the version
        Assert.Equal(0, await CountRowsAsync("missing"));
        Assert.False(await s.DeleteAsync(Ns, "missing"));
    }

    [SkippableFact]
    public async Task Many_tasks_incrementing_by_compare_and_set_lose_no_update()
    {
        SkipIfUnavailable();
        await NewStore().PutAsync(Ns, "counter", "0", expectedVersion: 0);
        const int Workers = 8, Each = 5;
        var winners = new System.Collections.Concurrent.ConcurrentBag<long>();
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            var s = NewStore();
            start.Wait();
            for (var done = 0; done < Each;)
            {
                var e = (await s.GetAsync(Ns, "counter"))!;
                var r = await s.PutAsync(Ns, "counter", (long.Parse(e.Json) + 1).ToString(), expectedVersion: e.Version);
                if (r.Conflict) continue;
                winners.Add(r.Version);
                done++;
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(tasks);
        var final = (await NewStore().GetAsync(Ns, "counter"))!;
        Assert.Equal((Workers * Each).ToString(), final.Json);
        Assert.Equal(Workers * Each + 1, final.Version);
        Assert.Equal(Enumerable.Range(2, Workers * Each).Select(v => (long)v), winners.Order()); // one winner per version
    }

    [SkippableFact]
    public async Task Unicode_keys_list_in_code_point_order_and_by_prefix()
    {
        SkipIfUnavailable();
        var s = NewStore();
        string[] keys = ["z", "Z", "é", "e\u0301", "日本/1", "😀/2", "😀/1", "\uFF01", "😀x", "a b", "ä/ü"];
        foreach (var k in keys) await s.PutAsync(Ns, k, JsonValue.Create(k).ToJsonString());
        var expected = keys.OrderBy(k => Encoding.UTF8.GetBytes(k), Utf8Order).ToList();
        Assert.Equal(expected, await s.ListAsync(Ns).Select(e => e.Key).ToListAsync());
        Assert.Equal(["😀/1", "😀/2"], await s.ListAsync(Ns, "😀/").Select(e => e.Key).ToListAsync());
        Assert.Equal(["😀/1", "😀/2", "😀x"], await s.ListAsync(Ns, "😀").Select(e => e.Key).ToListAsync());
        Assert.Equal(["日本/1"], await s.ListAsync(Ns, "日").Select(e => e.Key).ToListAsync());
        foreach (var k in keys) Assert.Equal(JsonValue.Create(k).ToJsonString(), (await NewStore().GetAsync(Ns, k))!.Json);

        var longest = new string('é', StateKeys.MaxKeyBytes / 2); // 1024 UTF-8 bytes
        Assert.True((await s.PutAsync(Ns, longest, "1")).Succeeded);
        Assert.Equal(longest, (await s.GetAsync(Ns, longest))!.Key);
        await Assert.ThrowsAsync<ArgumentException>(() => s.PutAsync(Ns, longest + "e", "1"));
        await Assert.ThrowsAsync<ArgumentException>(() => s.PutAsync(Ns, "nul\0key", "1"));
        await Assert.ThrowsAsync<ArgumentException>(() => s.PutAsync(Ns, "lone\uD800", "1"));
        await Assert.ThrowsAsync<ArgumentException>(() => s.GetAsync(Ns, ""));
    }

    [SkippableFact]
    public async Task Values_as_large_as_the_orchestrator_writes_round_trip()
    {
        SkipIfUnavailable();
        var s = NewStore();
        // a run record of a 10,000-dataset fan-out and a full chunk of 256 items with 4 attempts each
        var run = new JsonObject { ["tasks"] = new JsonObject { ["ingest"] = new JsonObject { ["datasets"] = new JsonArray([.. Enumerable.Range(0, 10_000).Select(i => (JsonNode)$"dataset_{i:D5}_{Hex(3)}")]) } } };
        var chunk = new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(0, 256).Select(i => (JsonNode)new JsonObject
        {
            ["index"] = i, ["dataset"] = $"dataset_{i:D5}", ["status"] = "succeeded", ["outputs"] = new JsonObject { ["rows"] = "12345", ["snapshot"] = Hex(8) },
            ["attempts"] = new JsonArray([.. Enumerable.Range(1, 4).Select(a => (JsonNode)new JsonObject
            {
                ["number"] = a, ["idempotency_key"] = "dtv-" + Hex(16), ["handle"] = $"pid:{1000 + i}:{Hex(6)}", ["started_at"] = "2026-01-02T03:04:05.123+00:00",
                ["outcome"] = a < 4 ? "failed" : "succeeded", ["error"] = a < 4 ? "exit code 1: " + Hex(40) : null, ["log"] = $"/var/lib/dativo/logs/p/c/ingest/dataset_{i:D5}.{a}.log",
            })]),
        })]) };
        foreach (var (key, value) in new[] { ("run", run.ToJsonString()), ("chunk", chunk.ToJsonString()) })
        {
            Assert.True(value.Length > 200_000, $"{key} is only {value.Length} bytes");
            Assert.Equal(new StatePutResult(true, 1), await s.PutAsync(Ns, key, value, expectedVersion: 0));
            Assert.Equal(value, (await NewStore().GetAsync(Ns, key))!.Json);
            Assert.True((await s.PutAsync(Ns, key, value, expectedVersion: 1)).Succeeded);
            Assert.Equal(value, (await s.ListAsync(Ns, key).SingleAsync()).Json);
        }
    }

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static readonly IComparer<byte[]> Utf8Order = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    /// <summary>Rows physically present for a key (expired or not).</summary>
    protected abstract Task<long> CountRowsAsync(string key);
}
