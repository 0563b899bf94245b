using Dativo.Lake.Catalog;

namespace Dativo.Lake.Tests.Catalog;

/// <summary>Behaviour every SQL catalog backend must have; subclasses supply the database.</summary>
public abstract class CatalogContractTests
{
    private readonly string _testId = Guid.NewGuid().ToString("N")[..8];

    /// <summary>A new catalog object (own connections) over the same database each call.</summary>
    protected abstract ICatalog NewCatalog(string name = "test");

    /// <summary>A catalog whose name is unique to the running test, so tests sharing a database do not see each other.</summary>
    private ICatalog Catalog(string name = "test") => NewCatalog(name + "_" + _testId);

    protected virtual void SkipIfUnavailable()
    {
    }

    [SkippableFact]
    public async Task Namespaces_and_tables_round_trip()
    {
        SkipIfUnavailable();
        var c = Catalog();
        await c.CreateNamespaceAsync("sales", new Dictionary<string, string> { ["owner"] = "team-a" });
        await c.CreateNamespaceAsync("sales"); // idempotent
        await c.CreateNamespaceAsync("a.b");
        Assert.True(await c.CreateTableAsync(new TableIdentifier("sales", "orders"), "s3://w/orders/metadata/00000.metadata.json"));
        Assert.False(await c.CreateTableAsync(new TableIdentifier("sales", "orders"), "s3://w/other.json"));
        Assert.True(await c.CreateTableAsync(new TableIdentifier("sales", "customers"), "file:///w/c/0.json"));
        Assert.True(await c.CreateTableAsync(new TableIdentifier("ops", "runs"), "file:///w/r/0.json"));

        Assert.Equal(["a.b", "ops", "sales"], await c.ListNamespacesAsync());
        Assert.Equal(["customers", "orders"], (await c.ListTablesAsync("sales")).Select(t => t.Name));
        Assert.Empty(await c.ListTablesAsync("a.b"));
        Assert.Equal("s3://w/orders/metadata/00000.metadata.json", await c.LoadMetadataLocationAsync(new TableIdentifier("sales", "orders")));
        Assert.Null(await c.LoadMetadataLocationAsync(new TableIdentifier("sales", "nope")));

        Assert.True(await c.DropTableAsync(new TableIdentifier("sales", "orders")));
        Assert.False(await c.DropTableAsync(new TableIdentifier("sales", "orders")));
        Assert.Null(await c.LoadMetadataLocationAsync(new TableIdentifier("sales", "orders")));
    }

    [SkippableFact]
    public async Task Catalog_names_partition_the_same_database()
    {
        SkipIfUnavailable();
        var a = Catalog("alpha");
        var b = Catalog("beta");
        var t = new TableIdentifier("ns", "t");
        Assert.True(await a.CreateTableAsync(t, "loc-a"));
        Assert.True(await b.CreateTableAsync(t, "loc-b"));
        Assert.Equal("loc-a", await a.LoadMetadataLocationAsync(t));
        Assert.Equal("loc-b", await b.LoadMetadataLocationAsync(t));
        Assert.True(await a.SwapMetadataLocationAsync(t, "loc-a", "loc-a2"));
        Assert.Equal("loc-b", await b.LoadMetadataLocationAsync(t));
    }

    [SkippableFact]
    public async Task Swap_is_compare_and_swap_across_separate_connections()
    {
        SkipIfUnavailable();
        var t = new TableIdentifier("db", "events");
        var first = Catalog();
        var second = Catalog();
        Assert.True(await first.CreateTableAsync(t, "v1"));
        var seenByFirst = await first.LoadMetadataLocationAsync(t);
        var seenBySecond = await second.LoadMetadataLocationAsync(t);
        Assert.True(await first.SwapMetadataLocationAsync(t, seenByFirst!, "v2-first"));
        Assert.False(await second.SwapMetadataLocationAsync(t, seenBySecond!, "v2-second"));
        Assert.Equal("v2-first", await second.LoadMetadataLocationAsync(t));
        Assert.False(await second.SwapMetadataLocationAsync(new TableIdentifier("db", "missing"), "v1", "v2"));
    }

    [SkippableFact]
    public async Task Racing_swaps_from_the_same_base_have_exactly_one_winner()
    {
        SkipIfUnavailable();
        var t = new TableIdentifier("db", "race");
        Assert.True(await Catalog().CreateTableAsync(t, "base"));
        var catalogs = Enumerable.Range(0, 8).Select(_ => Catalog()).ToArray();
        using var start = new ManualResetEventSlim();
        var tasks = catalogs.Select((c, i) => Task.Run(async () =>
        {
            start.Wait();
            return await c.SwapMetadataLocationAsync(t, "base", "next-" + i);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(1, results.Count(r => r));
        var winner = Array.IndexOf(results, true);
        Assert.Equal("next-" + winner, await Catalog().LoadMetadataLocationAsync(t));
    }

    [SkippableFact]
    public async Task Concurrent_committers_with_retry_lose_no_update()
    {
        SkipIfUnavailable();
        var t = new TableIdentifier("db", "counter");
        Assert.True(await Catalog().CreateTableAsync(t, "0"));
        const int writers = 4, commitsEach = 10;
        var tasks = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            var c = Catalog();
            var conflicts = 0;
            for (var n = 0; n < commitsEach;)
            {
                var current = await c.LoadMetadataLocationAsync(t);
                var next = (int.Parse(current!) + 1).ToString();
                if (await c.SwapMetadataLocationAsync(t, current!, next)) n++;
                else conflicts++;
            }
            return conflicts;
        })).ToArray();
        await Task.WhenAll(tasks);
        Assert.Equal((writers * commitsEach).ToString(), await Catalog().LoadMetadataLocationAsync(t));
    }
}
