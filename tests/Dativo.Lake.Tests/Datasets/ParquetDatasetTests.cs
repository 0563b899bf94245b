using Dativo.Core.Errors;
using Dativo.Lake.Datasets;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage.Local;
using Dativo.Lake.Tests.Iceberg;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Datasets;

public sealed class ParquetDatasetTests : IDisposable
{
    private readonly TempDir _dir = new("dativo-dataset-");
    private static readonly IcebergSchema Schema = TableFixture.EventSchema;
    private static readonly string[] ByDay = ["day"];
    private static readonly CancellationToken Ct = CancellationToken.None;

    private ParquetDataset Open() => ParquetDataset.Open(new LocalObjectStore(_dir.Path), "sales/orders");

    private static async Task<long> CountAsync(ParquetDataset ds, string where = "TRUE")
    {
        await using var engine = await DuckDbEngine.OpenAsync(ct: Ct);
        await ds.RegisterViewAsync(engine, "t", Ct);
        var r = await engine.QueryAsync($"SELECT count(*) FROM t WHERE {where}", ct: Ct);
        return Convert.ToInt64(r.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Append_writes_hive_folders_and_manifests()
    {
        var ds = Open();
        var c1 = await ds.AppendAsync([TableFixture.Events(Schema, 0, 100)], ByDay, Ct);
        var c2 = await ds.AppendAsync([TableFixture.Events(Schema, 100, 50)], ByDay, Ct);
        Assert.Equal(1, c1.Sequence);
        Assert.Equal(2, c2.Sequence);
        Assert.Equal(150, await CountAsync(ds));
        Assert.Equal(48, await CountAsync(ds, "day = DATE '2024-03-02'"));
        Assert.All(c1.Files, f => Assert.Matches(@"^day=2024-03-0\d/part-[0-9a-f]{32}\.parquet$", f.Path));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "sales/orders/_dativo/manifests/00000000000000000001.json")));
        var state = await ds.CurrentAsync(Ct);
        Assert.Equal(150, state.RecordCount);
        Assert.Equal(ByDay, state.PartitionColumns);
        Assert.Equal(2, state.Commits);
    }

    [Fact]
    public async Task Overwrite_partitions_replaces_only_the_partitions_written()
    {
        var ds = Open();
        await ds.AppendAsync([TableFixture.Events(Schema, 0, 72)], ByDay, Ct);          // 3 days × 24
        var day2 = TableFixture.Events(Schema, 1008, 5, new DateTime(2024, 3, 2, 0, 0, 0, DateTimeKind.Utc));
        var c = await ds.OverwritePartitionsAsync([day2], ByDay, Ct);
        Assert.Equal(["day=2024-03-02"], c.Files.Select(f => f.Partition).Distinct());
        Assert.Equal(24 + 24 + 5, await CountAsync(ds));
        Assert.Equal(5, await CountAsync(ds, "day = DATE '2024-03-02'"));
        Assert.Equal(5, await CountAsync(ds, "id >= 1000"));
        // replaced files are no longer live: they are orphans for the cleanup
        Assert.NotEmpty(await ds.FindOrphanFilesAsync(TimeSpan.Zero, Ct));
    }

    [Fact]
    public async Task Overwrite_of_an_unpartitioned_dataset_replaces_everything()
    {
        var ds = Open();
        await ds.AppendAsync([TableFixture.Events(Schema, 0, 10)], ct: Ct);
        await ds.OverwritePartitionsAsync([TableFixture.Events(Schema, 50, 3)], ct: Ct);
        Assert.Equal(3, await CountAsync(ds));
    }

    [Fact]
    public async Task Crash_between_write_and_publish_leaves_nothing_visible()
    {
        var ds = Open();
        await ds.AppendAsync([TableFixture.Events(Schema, 0, 10)], ByDay, Ct);
        await using (var w = ds.NewWriter(Schema, new DatasetWriteOptions { PartitionBy = ByDay }))
        {
            w.BeforePublish = _ => throw new IOException("killed before publish");
            await w.WriteAsync(TableFixture.Events(Schema, 100, 30), Ct);
            await Assert.ThrowsAsync<IOException>(() => w.CommitAsync(Ct));
        }
        var onDisk = Directory.GetFiles(Path.Combine(_dir.Path, "sales/orders"), "*.parquet", SearchOption.AllDirectories);
        Assert.True(onDisk.Length > 1);
        Assert.Equal(10, await CountAsync(ds));
        Assert.Single(await ds.ManifestsAsync(Ct));
        // the unpublished files are orphans: kept during the grace period, removed after it
        Assert.Empty(await ds.FindOrphanFilesAsync(TimeSpan.FromHours(1), Ct));
        var removed = await ds.DeleteOrphanFilesAsync(TimeSpan.Zero, Ct);
        Assert.Equal(onDisk.Length - (await ds.CurrentAsync(Ct)).Files.Count, removed.Count);
        Assert.Equal(10, await CountAsync(ds));
    }

    [Fact]
    public async Task Concurrent_appends_lose_nothing()
    {
        const int writers = 4, commits = 10;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var ds = Open();   // own store instance per writer
            for (var i = 0; i < commits; i++)
                await ds.AppendAsync([TableFixture.Events(Schema, ((w * commits) + i) * 10L, 10)], ByDay, Ct);
        })));
        var state = await Open().CurrentAsync(Ct);
        Assert.Equal(writers * commits, state.Commits);
        Assert.Equal(writers * commits * 10, state.RecordCount);
        Assert.Equal(writers * commits * 10, await CountAsync(Open(), "TRUE"));
        Assert.Equal(writers * commits * 10, await CountAsync(Open(), "TRUE AND id IS NOT NULL"));
    }

    [Fact]
    public async Task Partition_values_are_escaped_like_hive()
    {
        Assert.Equal("a=x%2Fy%3Az%3D1", HivePaths.Segment("a", "x/y:z=1"));
        Assert.Equal("a=" + HivePaths.DefaultPartition, HivePaths.Segment("a", null));
        Assert.Equal(("a", "x/y:z=1"), HivePaths.ParseSegment("a=x%2Fy%3Az%3D1"));
        var schema = new IcebergSchema(0, [NestedField.Require(1, "id", IcebergType.Long), NestedField.Optional(2, "k", IcebergType.String)]);
        var ds = Open();
        var c = await ds.AppendAsync([new RecordBatch(schema, [new long[] { 1, 2, 3 }, new string?[] { "a/b", null, "a/b" }])], ["k"], Ct);
        Assert.Equal(["k=__HIVE_DEFAULT_PARTITION__", "k=a%2Fb"], c.Files.Select(f => f.Partition).Order(StringComparer.Ordinal));
        Assert.Equal(2, await CountAsync(ds, "k = 'a/b'"));
        Assert.Equal(1, await CountAsync(ds, "k IS NULL"));
    }

    [Fact]
    public async Task Changing_partition_columns_and_reading_an_empty_dataset_are_user_errors()
    {
        var ds = Open();
        await Assert.ThrowsAsync<DativoException>(() => ds.ToSqlAsync(Ct));
        await ds.AppendAsync([TableFixture.Events(Schema, 0, 5)], ByDay, Ct);
        var ex = await Assert.ThrowsAsync<DativoException>(() => ds.AppendAsync([TableFixture.Events(Schema, 0, 5)], ["n"], Ct));
        Assert.Contains("partitioned by (day)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manifest_properties_are_published_with_the_commit_and_optional()
    {
        var ds = Open();
        await ds.AppendAsync([TableFixture.Events(Schema, 0, 5)], ByDay, Ct); // no properties: no "properties" field
        var first = await File.ReadAllTextAsync(Path.Combine(_dir.Path, "sales/orders/_dativo/manifests/00000000000000000001.json"), Ct);
        Assert.DoesNotContain("\"properties\"", first, StringComparison.Ordinal);
        Assert.Null(await ds.LatestPropertyAsync("state", Ct));

        var options = new DatasetWriteOptions { PartitionBy = ByDay, Properties = new Dictionary<string, string> { ["owner"] = "team", ["state"] = "old" } };
        await using (var w = ds.NewWriter(Schema, options))
        {
            await w.WriteAsync(TableFixture.Events(Schema, 5, 5), Ct);
            await w.CommitAsync(new Dictionary<string, string> { ["state"] = "s1" }, Ct);
        }
        await ds.AppendAsync([TableFixture.Events(Schema, 10, 5)], ByDay, Ct);
        var manifests = await ds.ManifestsAsync(Ct);
        Assert.Empty(manifests[0].Properties);
        Assert.Equal("team", manifests[1].Properties["owner"]);
        Assert.Equal("s1", manifests[1].Properties["state"]);   // commit-time value wins
        Assert.Equal("s1", await ds.LatestPropertyAsync("state", Ct)); // newest manifest that has the key

        // a writer that never commits publishes neither its files nor its properties
        await using (var w = ds.NewWriter(Schema, options)) await w.WriteAsync(TableFixture.Events(Schema, 15, 5), Ct);
        Assert.Equal("s1", await ds.LatestPropertyAsync("state", Ct));
        Assert.Equal(15, await CountAsync(ds));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Checkpoints_restate_the_state_so_readers_need_no_older_manifests()
    {
        var checkpointed = Open();
        checkpointed.CheckpointEvery = 5;
        var plain = ParquetDataset.Open(new LocalObjectStore(Path.Combine(_dir.Path, "plain")), "sales/orders");
        plain.CheckpointEvery = int.MaxValue;
        foreach (var ds in new[] { checkpointed, plain })
        {
            for (var i = 0; i < 13; i++)
            {
                var properties = new Dictionary<string, string> { ["state"] = $"s{i}" };
                if (i == 1) properties["set-once"] = "early";
                var mode = i % 6 == 5 ? DatasetWriteMode.OverwritePartitions : DatasetWriteMode.Append;
                await using var w = ds.NewWriter(Schema, new DatasetWriteOptions { Mode = mode, PartitionBy = ByDay, Properties = properties });
                await w.WriteAsync(TableFixture.Events(Schema, i * 10, 10), Ct);
                await w.CommitAsync(Ct);
            }
        }

        var manifests = Directory.GetFiles(Path.Combine(_dir.Path, "sales/orders/_dativo/manifests")).Order(StringComparer.Ordinal).ToList();
        var checkpoints = manifests.Where(f => File.ReadAllText(f).Contains("\"checkpoint\"", StringComparison.Ordinal)).ToList();
        Assert.True(checkpoints.Count >= 2, $"{checkpoints.Count} checkpoints in {manifests.Count} manifests");
        var expected = await plain.CurrentAsync(Ct);
        var actual = await checkpointed.CurrentAsync(Ct);
        Assert.Equal(13, expected.Commits);
        Assert.Equal(expected.Commits, actual.Commits);
        Assert.Equal(expected.Files.Select(f => $"{f.Partition}:{f.RecordCount}").Order(StringComparer.Ordinal),
            actual.Files.Select(f => $"{f.Partition}:{f.RecordCount}").Order(StringComparer.Ordinal));
        Assert.Equal(await CountAsync(plain), await CountAsync(checkpointed));
        Assert.True((await checkpointed.ManifestsAsync(Ct)).Count <= 5, "a reader starts at the newest checkpoint");

        // everything before the newest checkpoint can go: the state, properties and orphans stay the same
        foreach (var old in manifests.TakeWhile(f => f != checkpoints[^1])) File.Delete(old);
        var after = await checkpointed.CurrentAsync(Ct);
        Assert.Equal(actual.Files, after.Files);
        Assert.Equal(13, after.Commits);
        Assert.Equal("s12", await checkpointed.LatestPropertyAsync("state", Ct));
        Assert.Equal("early", await checkpointed.LatestPropertyAsync("set-once", Ct));
        Assert.Equal((await plain.FindOrphanFilesAsync(TimeSpan.Zero, Ct)).Count, (await checkpointed.FindOrphanFilesAsync(TimeSpan.Zero, Ct)).Count);
        Assert.Equal(await CountAsync(plain), await CountAsync(checkpointed));
    }
}
