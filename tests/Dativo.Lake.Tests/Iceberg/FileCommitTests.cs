using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary><see cref="IcebergTable.CommitFilesAsync"/>: modes, properties in the same swap, preconditions re-checked on retries.</summary>
public sealed class FileCommitTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private Task<IcebergTable> CreateAsync(string name) =>
        _fx.CreateAsync(name, s => new PartitionSpecBuilder(s).Day("ts").Build());

    private Task<IcebergTable> OpenAsync(string name) =>
        IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, new TableIdentifier("db", name));

    private static async Task<IReadOnlyList<Lake.Iceberg.Manifests.DataFile>> WriteAsync(IcebergTable t, long first, int count, DateTime? start = null)
    {
        await using var w = t.NewDataWriter();
        await w.WriteAsync(TableFixture.Events(t.Schema, first, count, start));
        return await w.CompleteAsync();
    }

    [Fact]
    public async Task Properties_set_by_a_commit_survive_compaction_and_snapshot_expiry()
    {
        var t = await CreateAsync("props");
        for (var i = 0; i < 3; i++)
            await t.CommitFilesAsync(await WriteAsync(t, i * 10, 10), new FileCommit { Properties = new Dictionary<string, string> { ["app.progress"] = $"{i}" } });
        await t.CompactAsync();
        await t.ExpireSnapshotsAsync(new ExpireOptions { OlderThan = DateTimeOffset.MaxValue, RetainLast = 1 });
        var reopened = await OpenAsync("props");
        Assert.Single(reopened.Metadata.Snapshots);
        Assert.Equal("2", reopened.Metadata.Properties["app.progress"]);
        Assert.Equal(30, await reopened.NewScan().CountAsync());
    }

    [Fact]
    public async Task A_precondition_that_fails_on_the_newer_state_a_retry_sees_refuses_the_commit()
    {
        var a = await CreateAsync("cas");
        var b = await OpenAsync("cas"); // opened before a's commit: b's first attempt builds on a stale base
        string? Expect(TableMetadata m, string? value) => m.Properties.GetValueOrDefault("app.progress") == value ? null : "someone else moved on";
        await a.CommitFilesAsync(await WriteAsync(a, 0, 10), new FileCommit
        {
            Properties = new Dictionary<string, string> { ["app.progress"] = "a" },
            Precondition = m => Expect(m, null),
        });
        var filesB = await WriteAsync(b, 100, 10);
        var e = await Assert.ThrowsAsync<CommitRefusedException>(() => b.CommitFilesAsync(filesB, new FileCommit
        {
            Properties = new Dictionary<string, string> { ["app.progress"] = "b" },
            Precondition = m => Expect(m, null),
        }));
        Assert.Contains("moved on", e.Message, StringComparison.Ordinal);
        var reopened = await OpenAsync("cas");
        Assert.Equal("a", reopened.Metadata.Properties["app.progress"]);
        Assert.Equal(10, await reopened.NewScan().CountAsync());

        // a precondition that still holds on the newer state lets the retry commit on top of it
        var c = await OpenAsync("cas");
        await a.CommitFilesAsync(await WriteAsync(a, 200, 5), new FileCommit()); // c's base is stale now; the property is unchanged
        await c.CommitFilesAsync(await WriteAsync(c, 300, 5), new FileCommit
        {
            Properties = new Dictionary<string, string> { ["app.progress"] = "c" },
            Precondition = m => Expect(m, "a"),
        });
        Assert.Equal(20, await (await OpenAsync("cas")).NewScan().CountAsync());
    }

    [Fact]
    public async Task Overwrite_replaces_every_row_and_replace_partitions_only_the_partitions_it_writes()
    {
        var t = await CreateAsync("modes");
        var march = new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        await t.CommitFilesAsync(await WriteAsync(t, 0, 72, march), new FileCommit()); // three days of rows, ids 0..71
        // ids 1000.. land in the first day only (ts = start + id % 72 hours: 1000 % 72 = 64 → 1000..1007 fall on day 3)
        var replace = await WriteAsync(t, 1008, 10, march); // 1008 % 72 = 0: hours 0..9 of day 1
        await t.CommitFilesAsync(replace, new FileCommit { Mode = FileCommitMode.ReplacePartitions });
        var ids = (await t.NewScan().Select("id").ReadAsync()).Rows.Select(r => (long)r[0]!).Order().ToList();
        Assert.Equal([.. Enumerable.Range(24, 48).Select(i => (long)i), .. Enumerable.Range(1008, 10).Select(i => (long)i)], ids);

        await t.CommitFilesAsync([], new FileCommit { Mode = FileCommitMode.ReplacePartitions }); // nothing written: nothing replaced
        Assert.Equal(58, await t.NewScan().CountAsync());

        await t.CommitFilesAsync(await WriteAsync(t, 5000, 3, march), new FileCommit { Mode = FileCommitMode.Overwrite });
        Assert.Equal([5000L, 5001L, 5002L], (await t.NewScan().Select("id").ReadAsync()).Rows.Select(r => (long)r[0]!).Order());
        Assert.Equal("overwrite", t.Metadata.CurrentSnapshot!.Summary["operation"]);
    }
}
