using Dativo.Lake.State;
using Microsoft.Extensions.Time.Testing;

namespace Dativo.Lake.Tests.State;

/// <summary>Behaviour every state store backend must have; subclasses supply the database.</summary>
public abstract class StateStoreContractTests
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

    /// <summary>Rows physically present for a key (expired or not).</summary>
    protected abstract Task<long> CountRowsAsync(string key);
}
