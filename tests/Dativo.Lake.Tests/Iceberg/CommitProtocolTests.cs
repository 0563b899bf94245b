using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;

namespace Dativo.Lake.Tests.Iceberg;

public sealed class CommitProtocolTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    /// <summary>A catalog whose swap fails on demand, before or after the real swap.</summary>
    private sealed class FlakyCatalog(ICatalog inner) : ICatalog
    {
        public int FailSwapsBefore;
        public int FailSwapsAfter;
        public bool FailLoads;

        public string Name => inner.Name;
        public Task CreateNamespaceAsync(string ns, IReadOnlyDictionary<string, string>? properties = null, CancellationToken ct = default) => inner.CreateNamespaceAsync(ns, properties, ct);
        public Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default) => inner.ListNamespacesAsync(ct);
        public Task<IReadOnlyList<TableIdentifier>> ListTablesAsync(string ns, CancellationToken ct = default) => inner.ListTablesAsync(ns, ct);
        public Task<string?> LoadMetadataLocationAsync(TableIdentifier table, CancellationToken ct = default) =>
            FailLoads ? throw new IOException("catalog unreachable") : inner.LoadMetadataLocationAsync(table, ct);
        public Task<bool> CreateTableAsync(TableIdentifier table, string metadataLocation, CancellationToken ct = default) => inner.CreateTableAsync(table, metadataLocation, ct);
        public Task<bool> DropTableAsync(TableIdentifier table, CancellationToken ct = default) => inner.DropTableAsync(table, ct);

        public async Task<bool> SwapMetadataLocationAsync(TableIdentifier table, string expected, string next, CancellationToken ct = default)
        {
            if (FailSwapsBefore > 0) { FailSwapsBefore--; throw new IOException("connection reset before commit"); }
            var ok = await inner.SwapMetadataLocationAsync(table, expected, next, ct);
            if (FailSwapsAfter > 0) { FailSwapsAfter--; throw new IOException("connection reset after commit"); }
            return ok;
        }
    }

    [Fact]
    public async Task Two_writers_appending_50_times_each_lose_nothing()
    {
        var t0 = await _fx.CreateAsync("concurrent");
        var id = new TableIdentifier("db", "concurrent");
        async Task Writer(int w)
        {
            var table = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, id);
            for (var i = 0; i < 50; i++)
                await table.AppendAsync(TableFixture.Events(table.Schema, (w * 1000) + (i * 10), 10));
        }
        await Task.WhenAll(Task.Run(() => Writer(1)), Task.Run(() => Writer(2)));
        var t = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, id);
        Assert.Equal(100, t.Metadata.Snapshots.Count);
        Assert.Equal(100, t.Metadata.Ancestors().Count());
        Assert.Equal(100, t.Metadata.LastSequenceNumber);
        Assert.Equal("1000", t.Metadata.CurrentSnapshot!.Summary["total-records"]);
        Assert.Equal(1000, await t.NewScan().CountAsync());
        var ids = (await t.NewScan().Select("id").ReadAsync()).Rows.Select(r => (long)r[0]!).ToHashSet();
        Assert.Equal(1000, ids.Count);
        _ = t0;
    }

    [Fact]
    public async Task Swap_error_after_the_catalog_applied_it_is_resolved_as_success_without_replay()
    {
        await _fx.CreateAsync("after");
        var flaky = new FlakyCatalog(_fx.NewCatalog()) { FailSwapsAfter = 1 };
        var t = await IcebergTables.OpenAsync(flaky, _fx.Store, new TableIdentifier("db", "after"));
        var r = await t.AppendAsync(TableFixture.Events(t.Schema, 0, 5));
        Assert.Equal(1, r.Attempts);
        var fresh = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, new TableIdentifier("db", "after"));
        Assert.Single(fresh.Metadata.Snapshots);
        Assert.Equal(r.MetadataLocation, fresh.MetadataLocation);
        Assert.Equal(5, await fresh.NewScan().CountAsync());
    }

    [Fact]
    public async Task Swap_error_before_the_catalog_applied_it_retries_the_same_metadata_file()
    {
        await _fx.CreateAsync("before");
        var flaky = new FlakyCatalog(_fx.NewCatalog()) { FailSwapsBefore = 1 };
        var t = await IcebergTables.OpenAsync(flaky, _fx.Store, new TableIdentifier("db", "before"));
        var r = await t.AppendAsync(TableFixture.Events(t.Schema, 0, 5));
        Assert.EndsWith("v2.metadata.json", r.MetadataLocation, StringComparison.Ordinal);
        var fresh = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, new TableIdentifier("db", "before"));
        Assert.Single(fresh.Metadata.Snapshots);
        Assert.False(File.Exists(Path.Combine(_fx.Dir.Path, "db", "before", "metadata", "v3.metadata.json")));
    }

    [Fact]
    public async Task Writer_dying_mid_commit_leaves_the_old_snapshot_and_other_writers_continue()
    {
        await _fx.CreateAsync("crash");
        var id = new TableIdentifier("db", "crash");
        var healthy = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, id);
        await healthy.AppendAsync(TableFixture.Events(healthy.Schema, 0, 5));

        // the "dying" writer: metadata v3 written, then the catalog becomes unreachable for it
        var flaky = new FlakyCatalog(_fx.NewCatalog()) { FailSwapsBefore = 1 };
        var dying = await IcebergTables.OpenAsync(flaky, _fx.Store, id);
        flaky.FailLoads = true;
        var e = await Assert.ThrowsAsync<CommitStateUnknownException>(() => dying.AppendAsync(TableFixture.Events(dying.Schema, 100, 5)));
        Assert.Contains("v3.metadata.json", e.Message);

        var reader = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, id);
        Assert.Single(reader.Metadata.Snapshots);
        Assert.Equal(5, await reader.NewScan().CountAsync());

        // the dangling v3 does not block others: the next commit takes v4
        var r = await healthy.AppendAsync(TableFixture.Events(healthy.Schema, 200, 5));
        Assert.EndsWith("v4.metadata.json", r.MetadataLocation, StringComparison.Ordinal);
        Assert.Equal(10, await healthy.NewScan().CountAsync());
        var orphans = await healthy.FindOrphanFilesAsync(TimeSpan.Zero);
        Assert.Contains(orphans, o => o.Location.EndsWith("v3.metadata.json", StringComparison.Ordinal));
        Assert.Contains(orphans, o => o.Location.EndsWith(".parquet", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Conflicting_append_is_rebased_on_the_other_writers_snapshot()
    {
        await _fx.CreateAsync("rebase");
        var id = new TableIdentifier("db", "rebase");
        var a = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, id);
        var b = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, id);
        await a.AppendAsync(TableFixture.Events(a.Schema, 0, 5));
        var r = await b.AppendAsync(TableFixture.Events(b.Schema, 100, 7)); // b's metadata is stale
        Assert.Equal(2, r.Attempts);
        Assert.Equal("12", r.Summary["total-records"]);
        Assert.Equal(12, await b.NewScan().CountAsync());
        Assert.Equal(a.Metadata.CurrentSnapshotId, b.Metadata.CurrentSnapshot!.ParentSnapshotId);
        // the losing attempt's manifest list was removed
        var lists = Directory.GetFiles(Path.Combine(_fx.Dir.Path, "db", "rebase", "metadata"), "snap-*.avro");
        Assert.Equal(2, lists.Length);
    }
}
