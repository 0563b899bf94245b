using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Tests.Iceberg;

public sealed class TableTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public async Task Create_append_and_read_back_with_spec_layout()
    {
        var t = await _fx.CreateAsync("events", s => new PartitionSpecBuilder(s).Day("ts").Bucket("id", 4).Build());
        Assert.Equal(_fx.Store.UriOf("db/events"), t.Location);
        var r1 = await t.AppendAsync(TableFixture.Events(t.Schema, 0, 100));
        var r2 = await t.AppendAsync(TableFixture.Events(t.Schema, 100, 50));
        Assert.Equal(150, r1.AddedRecords + r2.AddedRecords);
        Assert.Equal("150", r2.Summary["total-records"]);
        Assert.Equal("50", r2.Summary["added-records"]);
        Assert.True(long.Parse(r2.Summary["added-files-size"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(r2.Summary["total-data-files"], (int.Parse(r1.Summary["added-data-files"], System.Globalization.CultureInfo.InvariantCulture) + r2.AddedDataFiles).ToString(System.Globalization.CultureInfo.InvariantCulture));

        var meta = Path.Combine(_fx.Dir.Path, "db", "events", "metadata");
        Assert.True(File.Exists(Path.Combine(meta, "v1.metadata.json")));
        Assert.True(File.Exists(Path.Combine(meta, "v3.metadata.json")));
        Assert.Equal("3", File.ReadAllText(Path.Combine(meta, "version-hint.text")));
        Assert.Equal(t.MetadataLocation, await _fx.Catalog.LoadMetadataLocationAsync(new TableIdentifier("db", "events")));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(meta, "v3.metadata.json")))!;
        Assert.Equal(2, json["last-sequence-number"]!.GetValue<long>());
        Assert.Equal(2, json["snapshot-log"]!.AsArray().Count);
        Assert.Equal(2, json["metadata-log"]!.AsArray().Count);
        Assert.Equal(json["current-snapshot-id"]!.GetValue<long>(), json["refs"]!["main"]!["snapshot-id"]!.GetValue<long>());
        Assert.All(Directory.GetDirectories(Path.Combine(_fx.Dir.Path, "db", "events", "data")), d => Assert.StartsWith("ts_day=2024-03-0", Path.GetFileName(d)));

        var reopened = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, new TableIdentifier("db", "events"));
        var rows = await reopened.NewScan().ReadAsync();
        Assert.Equal(150, rows.Rows.Count);
        var row7 = rows.Rows.Single(r => (long)r[0]! == 7);
        Assert.Equal("name-7", row7[1]);
        Assert.Equal(8.75m, row7[2]);
        Assert.Equal(false, row7[5]);
        Assert.Equal(7, row7[7]);
        Assert.Equal(15, rows.Rows.Count(r => r[1] is null));

        // manifests carry metrics keyed by field id and partition tuples that match the data
        var tasks = await reopened.NewScan().PlanFilesAsync();
        foreach (var task in tasks)
        {
            var f = task.File;
            Assert.Equal(f.RecordCount, f.ValueCounts![1]);
            Assert.Equal(0, f.NullValueCounts![1]);
            var lo = (long)Conversions.FromBytes(IcebergType.Long, f.LowerBounds![1]);
            var hi = (long)Conversions.FromBytes(IcebergType.Long, f.UpperBounds![1]);
            Assert.True(lo <= hi);
            Assert.Equal(Dativo.Lake.Iceberg.Transforms.Transform.Bucket(4).Apply(IcebergType.Long, lo), f.Partition[1]);
            var cols = await ParquetFieldIds.ReadAsync(reopened.IO, f.FilePath, default);
            Assert.Equal("ts", cols.ById[4]);
            Assert.Equal(8, cols.ById.Count);
        }
    }

    [Fact]
    public async Task Scan_prunes_by_partition_and_by_bounds()
    {
        var t = await _fx.CreateAsync("pruned", s => new PartitionSpecBuilder(s).Identity("day").Build());
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 72));
        var all = await t.NewScan().PlanFilesAsync();
        Assert.Equal(3, all.Count);
        var oneDay = await t.NewScan().Filter(Expr.Eq("day", new DateOnly(2024, 3, 2))).PlanFilesAsync();
        Assert.Single(oneDay);
        var rows = await t.NewScan().Filter(Expr.Eq("day", new DateOnly(2024, 3, 2)) & Expr.Gt("id", 40L)).ReadAsync();
        Assert.Equal(7, rows.Rows.Count); // ids 41..47
        Assert.Empty(await t.NewScan().Filter(Expr.Gt("id", 1000L)).PlanFilesAsync());
        Assert.Equal(2, (await t.NewScan().Filter(Expr.GtEq("ts", new DateTime(2024, 3, 2, 12, 0, 0, DateTimeKind.Utc))).PlanFilesAsync()).Count);
    }

    [Fact]
    public async Task Files_roll_at_the_target_size()
    {
        var t = await _fx.CreateAsync("rolled", props: new Dictionary<string, string>
        {
            ["write.target-file-size-bytes"] = "20000",
            ["write.parquet.row-group-rows"] = "1000",
        });
        var r = await t.AppendAsync(TableFixture.Events(t.Schema, 0, 20_000));
        Assert.True(r.AddedDataFiles > 3, $"{r.AddedDataFiles} files");
        Assert.Equal(20_000, await t.NewScan().CountAsync());
        var files = await t.NewScan().PlanFilesAsync();
        Assert.All(files.SkipLast(1), f => Assert.True(f.File.FileSizeInBytes >= 20_000 || f.File.RecordCount % 1000 == 0));
        Assert.All(files, f => Assert.True(f.File.SplitOffsets!.Count >= 1));
    }

    [Fact]
    public async Task Overwrite_by_filter_replaces_matching_rows_and_keeps_the_rest()
    {
        var t = await _fx.CreateAsync("ow", s => new PartitionSpecBuilder(s).Identity("day").Build());
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 72));
        // whole partition 2024-03-01 (ids 0..23) is replaced by 5 new rows
        var r = await t.OverwriteAsync(Expr.Eq("day", new DateOnly(2024, 3, 1)), [TableFixture.Events(t.Schema, 7200, 5, new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc))]);
        Assert.Equal("overwrite", r.Operation);
        Assert.Equal(1, r.RemovedDataFiles);
        Assert.Equal(72 - 24 + 5, await t.NewScan().CountAsync());
        // a filter that cuts through a file: rows with id < 30 in partition 2024-03-02 (ids 24..47) → position deletes
        var d = await t.DeleteWhereAsync(Expr.Lt("id", 30L) & Expr.Eq("day", new DateOnly(2024, 3, 2)));
        Assert.Equal(1, d.AddedDeleteFiles);
        Assert.Equal(0, d.RemovedDataFiles);
        Assert.Equal("6", d.Summary["added-position-deletes"]);
        Assert.Equal(72 - 24 + 5 - 6, await t.NewScan().CountAsync());
        Assert.Empty((await t.NewScan().Filter(Expr.Lt("id", 30L) & Expr.GtEq("id", 24L)).ReadAsync()).Rows);
    }

    [Fact]
    public async Task Replace_partitions_replaces_exactly_the_partitions_in_the_new_data()
    {
        var t = await _fx.CreateAsync("dyn", s => new PartitionSpecBuilder(s).Identity("day").Build());
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 72));
        await t.AppendAsync(TableFixture.Events(t.Schema, 24, 24)); // second file in 2024-03-02
        var r = await t.ReplacePartitionsAsync([TableFixture.Events(t.Schema, 7200, 3, new DateTime(2024, 3, 2, 1, 0, 0, DateTimeKind.Utc))]);
        Assert.Equal(2, r.RemovedDataFiles);
        var rows = await t.NewScan().ReadAsync();
        Assert.Equal(24 + 24 + 3, rows.Rows.Count);
        Assert.Equal(3, rows.Rows.Count(x => (DateOnly)x[4]! == new DateOnly(2024, 3, 2)));
    }

    [Fact]
    public async Task Equality_deletes_apply_only_to_older_data()
    {
        var t = await _fx.CreateAsync("eq");
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 10));
        var keySchema = new IcebergSchema(0, [t.Schema.FindField("id")!]);
        var r = await t.DeleteByKeysAsync(new Dativo.Lake.Iceberg.Data.RecordBatch(keySchema, [new long[] { 3, 4 }]));
        Assert.Equal("2", r.Summary["added-equality-deletes"]);
        await t.AppendAsync(TableFixture.Events(t.Schema, 3, 1)); // id 3 re-inserted after the delete
        var ids = (await t.NewScan().ReadAsync()).Rows.Select(x => (long)x[0]!).OrderBy(x => x).ToList();
        Assert.Equal([0L, 1, 2, 3, 5, 6, 7, 8, 9], ids);
        var task = (await t.NewScan().PlanFilesAsync()).Single(x => x.File.RecordCount == 10);
        Assert.Single(task.EqualityDeletes);
    }

    [Fact]
    public async Task Schema_evolution_add_rename_widen_and_refusals()
    {
        var t = await _fx.CreateAsync("evo");
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 10));
        await t.UpdateSchemaAsync(u => u.AddColumn("extra", IcebergType.String).RenameColumn("name", "label").UpdateColumnType("n", IcebergType.Long));
        Assert.Equal(1, t.Schema.SchemaId);
        Assert.Equal(9, t.Metadata.LastColumnId);
        Assert.Equal("label", t.Schema.FindField(2)!.Name);
        Assert.Equal(IcebergType.Long, t.Schema.FindField(8)!.Type);
        var rows = await t.NewScan().ReadAsync();
        Assert.Equal(["id", "label", "amount", "ts", "day", "ok", "score", "n", "extra"], rows.Columns);
        Assert.Equal("name-7", rows.Rows.Single(r => (long)r[0]! == 7)[1]);
        Assert.All(rows.Rows, r => Assert.IsType<long>(r[7]));
        Assert.All(rows.Rows, r => Assert.Null(r[8]));

        var narrow = await Assert.ThrowsAsync<DativoException>(() => t.UpdateSchemaAsync(u => u.UpdateColumnType("id", IcebergType.Int)));
        Assert.Contains("only int→long", narrow.Message);
        var required = await Assert.ThrowsAsync<DativoException>(() => t.UpdateSchemaAsync(u => u.AddColumn("must", IcebergType.Int, required: true)));
        Assert.Contains("without a default", required.Message);
        await Assert.ThrowsAsync<DativoException>(() => t.UpdateSchemaAsync(u => u.UpdateColumnType("amount", IcebergType.Decimal(9, 2))));
        await t.UpdateSchemaAsync(u => u.UpdateColumnType("amount", IcebergType.Decimal(12, 2)));

        // new data under the new schema, old data still readable
        var batch = TableFixture.Events(TableFixture.EventSchema, 100, 2);
        var cols = batch.Columns.ToList();
        cols[7] = ((int?[])cols[7]).Select(x => (long?)x).ToArray();
        cols.Add(new string?[] { "x", null });
        await t.AppendAsync(new Dativo.Lake.Iceberg.Data.RecordBatch(t.Schema, cols));
        rows = await t.NewScan().ReadAsync();
        Assert.Equal(12, rows.Rows.Count);
        Assert.Equal("x", rows.Rows.Single(r => (long)r[0]! == 100)[8]);
        Assert.Equal(125m, rows.Rows.Single(r => (long)r[0]! == 100)[2]);
    }

    [Fact]
    public async Task Properties_set_and_remove()
    {
        var t = await _fx.CreateAsync("props");
        var r = await t.SetPropertiesAsync(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        Assert.Null(r.SnapshotId);
        await t.SetPropertiesAsync(new Dictionary<string, string> { ["a"] = "3" }, ["b"]);
        var reopened = await IcebergTables.OpenAsync(_fx.Catalog, _fx.Store, new TableIdentifier("db", "props"));
        Assert.Equal("3", reopened.Metadata.Properties["a"]);
        Assert.False(reopened.Metadata.Properties.ContainsKey("b"));
        Assert.Equal("zstd", reopened.Metadata.Properties["write.parquet.compression-codec"]);
    }

    [Fact]
    public async Task Describe_shows_history_newest_first()
    {
        var t = await _fx.CreateAsync("desc");
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 3));
        await t.DeleteWhereAsync(Expr.Eq("id", 1L));
        var d = await t.DescribeAsync();
        Assert.Equal(2, d.History.Count);
        Assert.Equal("delete", d.History[0].Operation);
        Assert.Equal(d.CurrentSnapshot!.SnapshotId, d.History[0].SnapshotId);
        Assert.All(d.History, h => Assert.True(h.IsCurrentAncestor));
        Assert.Equal(2, await t.NewScan().CountAsync());
    }

    [Fact]
    public async Task Expire_snapshots_deletes_unreachable_files_and_orphans_are_found()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var t = await _fx.CreateAsync("exp", time: clock);
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 10));
        clock.Advance(TimeSpan.FromMinutes(1));
        await t.OverwriteAsync(Expr.True, [TableFixture.Events(t.Schema, 100, 5)]);
        clock.Advance(TimeSpan.FromMinutes(1));
        await t.AppendAsync(TableFixture.Events(t.Schema, 200, 5));
        clock.Advance(TimeSpan.FromDays(10));
        var dataBefore = Directory.GetFiles(Path.Combine(_fx.Dir.Path, "db", "exp", "data"), "*.parquet", SearchOption.AllDirectories).Length;
        Assert.Equal(3, dataBefore);
        var r = await t.ExpireSnapshotsAsync(new ExpireOptions { RetainLast = 1 });
        Assert.Equal(2, r.ExpiredSnapshots);
        Assert.Equal(1, r.DeletedDataFiles); // the overwritten file
        Assert.Single(t.Metadata.Snapshots);
        Assert.Single(t.Metadata.SnapshotLog);
        Assert.Equal(10, await t.NewScan().CountAsync());

        var stray = Path.Combine(_fx.Dir.Path, "db", "exp", "data", "stray.parquet");
        File.WriteAllText(stray, "x");
        File.SetLastWriteTimeUtc(stray, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var orphans = await t.FindOrphanFilesAsync(TimeSpan.FromDays(3));
        Assert.Contains(orphans, o => o.Location.EndsWith("data/stray.parquet", StringComparison.Ordinal));
        Assert.DoesNotContain(orphans, o => o.Location.EndsWith(".metadata.json", StringComparison.Ordinal) && o.Location == t.MetadataLocation);
        var deleted = await t.DeleteOrphanFilesAsync(TimeSpan.FromDays(3));
        Assert.False(File.Exists(stray));
        Assert.Equal(10, await t.NewScan().CountAsync());
        Assert.DoesNotContain(deleted, o => o.Location.EndsWith(".parquet", StringComparison.Ordinal) && !o.Location.EndsWith("stray.parquet", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compaction_merges_small_files_and_applies_deletes()
    {
        var t = await _fx.CreateAsync("cmp", s => new PartitionSpecBuilder(s).Identity("ok").Build());
        for (var i = 0; i < 5; i++) await t.AppendAsync(TableFixture.Events(t.Schema, i * 10, 10));
        await t.DeleteWhereAsync(Expr.Eq("id", 7L));
        Assert.Equal(10, (await t.NewScan().PlanFilesAsync()).Count);
        var r = await t.CompactAsync();
        Assert.NotNull(r);
        Assert.Equal("replace", r!.Operation);
        Assert.Equal(10, r.RemovedDataFiles);
        var after = await t.NewScan().PlanFilesAsync();
        Assert.Equal(2, after.Count);
        Assert.All(after, x => Assert.Empty(x.PositionDeletes));
        Assert.Equal(49, await t.NewScan().CountAsync());
        Assert.Null(await t.CompactAsync());
    }

    [Fact]
    public async Task Create_refuses_existing_tables_and_bad_schemas()
    {
        await _fx.CreateAsync("dup");
        await Assert.ThrowsAsync<TableAlreadyExistsException>(() => _fx.CreateAsync("dup"));
        var bad = new IcebergSchema(0, [NestedField.Optional(1, "a", IcebergType.Int), NestedField.Optional(1, "b", IcebergType.Int)]);
        await Assert.ThrowsAsync<DativoException>(() => IcebergTables.CreateAsync(_fx.Catalog, _fx.Store, new TableIdentifier("db", "bad"), bad));
        var opened = await Assert.ThrowsAsync<DativoException>(() => IcebergTables.OpenAsync(_fx.Catalog, _fx.Store, new TableIdentifier("db", "missing")));
        Assert.Contains("does not exist", opened.Message);
    }
}
