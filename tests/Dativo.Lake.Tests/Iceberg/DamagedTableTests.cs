using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Table;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>
/// A table that lost a file (metadata, manifest list, manifest, data file): reads stop with an error naming the file and the
/// repair, a commit refuses to build on the damaged snapshot and writes nothing, and a rollback repairs the table.
/// </summary>
public sealed class DamagedTableTests : IDisposable
{
    private readonly TableFixture _fx = new();
    private static readonly TableIdentifier Id = new("db", "t");

    public void Dispose() => _fx.Dispose();

    /// <summary>A table with three appends (v1 create, v2..v4), 30 rows.</summary>
    private async Task<IcebergTable> ThreeAppendsAsync()
    {
        var t = await _fx.CreateAsync("t");
        for (var i = 0; i < 3; i++) await t.AppendAsync(TableFixture.Events(t.Schema, i * 10L, 10));
        return t;
    }

    private Task<IcebergTable> OpenAsync() => IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, Id);

    private string LocalPath(IcebergTable t, string location) => t.IO.LocalPath(location)!;

    private List<string> Files() => [.. Directory.EnumerateFiles(_fx.Dir.Path, "*", SearchOption.AllDirectories)
        .Where(f => !Path.GetFileName(f).StartsWith("catalog.db", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_missing_current_metadata_file_is_named_and_a_rollback_to_the_previous_one_repairs_the_table()
    {
        var t = await ThreeAppendsAsync();
        File.Delete(LocalPath(t, t.MetadataLocation));
        var e = await Assert.ThrowsAsync<DamagedTableException>(OpenAsync);
        Assert.Contains("v4.metadata.json is missing", e.Message, StringComparison.Ordinal);
        Assert.Contains("dativo table rollback db.t --to-metadata", e.Message, StringComparison.Ordinal);
        Assert.Contains("v3.metadata.json", e.Message, StringComparison.Ordinal);

        var repaired = await IcebergTables.RollbackToMetadataAsync(_fx.NewCatalog(), _fx.Store, Id, "v3.metadata.json");
        Assert.EndsWith("v3.metadata.json", repaired.MetadataLocation, StringComparison.Ordinal);
        var again = await OpenAsync();
        Assert.Equal(20, await again.NewScan().CountAsync());
        await again.AppendAsync(TableFixture.Events(again.Schema, 100, 5));
        Assert.Equal(25, await (await OpenAsync()).NewScan().CountAsync());
    }

    [Fact]
    public async Task A_corrupt_current_metadata_file_is_named()
    {
        var t = await ThreeAppendsAsync();
        await File.WriteAllTextAsync(LocalPath(t, t.MetadataLocation), "{ \"format-version\": 2, ");
        var e = await Assert.ThrowsAsync<DamagedTableException>(OpenAsync);
        Assert.Contains("v4.metadata.json is not valid Iceberg table metadata", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("v4.metadata.json", e.File, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_manifest_list_stops_reads_and_writes_and_a_rollback_to_the_parent_repairs_the_table()
    {
        var t = await ThreeAppendsAsync();
        var current = t.Metadata.CurrentSnapshot!;
        File.Delete(LocalPath(t, current.ManifestList));
        var files = Files();

        var t2 = await OpenAsync();
        var read = await Assert.ThrowsAsync<DamagedTableException>(() => t2.NewScan().CountAsync());
        Assert.Contains($"the manifest list of snapshot {current.SnapshotId}", read.Message, StringComparison.Ordinal);
        Assert.Contains("is missing", read.Message, StringComparison.Ordinal);
        Assert.Contains("dativo table rollback db.t --to-snapshot", read.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DamagedTableException>(() => t2.AppendAsync(TableFixture.Events(t2.Schema, 100, 5)));
        Assert.Equal(files, Files()); // the refused append left nothing (data file, manifest) behind
        Assert.Equal(t.MetadataLocation, (await OpenAsync()).MetadataLocation);

        await t2.RollbackToSnapshotAsync(current.ParentSnapshotId!.Value);
        var repaired = await OpenAsync();
        Assert.Equal(20, await repaired.NewScan().CountAsync());
        await repaired.AppendAsync(TableFixture.Events(repaired.Schema, 100, 5));
        Assert.Equal(25, await repaired.NewScan().CountAsync());
    }

    [Fact]
    public async Task An_append_on_top_of_a_snapshot_that_lost_a_manifest_is_refused_and_writes_nothing()
    {
        var t = await ThreeAppendsAsync();
        // the first append's manifest is carried by every later snapshot (fast append)
        var manifests = await ManifestsOfCurrentAsync(t);
        var oldest = manifests.OrderBy(m => m.SequenceNumber).First().ManifestPath;
        File.Delete(LocalPath(t, oldest));
        var files = Files();

        var writer = await OpenAsync();
        var e = await Assert.ThrowsAsync<DamagedTableException>(() => writer.AppendAsync(TableFixture.Events(writer.Schema, 100, 5)));
        Assert.Contains($"manifest {oldest} is missing", e.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing is written to a damaged table", e.Message, StringComparison.Ordinal);
        Assert.Equal(files, Files());
        Assert.Equal(t.MetadataLocation, (await OpenAsync()).MetadataLocation);

        // every snapshot carries the lost manifest: a rollback is refused as well (it checks the target's files)
        var rollback = await Assert.ThrowsAsync<DamagedTableException>(() => writer.RollbackToSnapshotAsync(t.Metadata.CurrentSnapshot!.ParentSnapshotId!.Value));
        Assert.Contains(oldest, rollback.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_append_on_top_of_a_truncated_manifest_is_refused()
    {
        var t = await ThreeAppendsAsync();
        var manifest = (await ManifestsOfCurrentAsync(t))[0].ManifestPath;
        var path = LocalPath(t, manifest);
        await File.WriteAllBytesAsync(path, (await File.ReadAllBytesAsync(path))[..100]);
        var writer = await OpenAsync();
        var e = await Assert.ThrowsAsync<DamagedTableException>(() => writer.AppendAsync(TableFixture.Events(writer.Schema, 100, 5)));
        Assert.Contains("has 100 bytes where the manifest list records", e.Message, StringComparison.Ordinal);
        var read = await Assert.ThrowsAsync<DamagedTableException>(() => writer.NewScan().CountAsync());
        Assert.Contains(manifest, read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_or_corrupt_data_file_is_named_by_reads_and_by_the_snapshot_check()
    {
        var t = await ThreeAppendsAsync();
        var files = (await t.NewScan().PlanFilesAsync()).Select(x => x.File.FilePath).Order(StringComparer.Ordinal).ToList();
        File.Delete(LocalPath(t, files[0]));
        var reader = await OpenAsync();
        var e = await Assert.ThrowsAsync<DamagedTableException>(() => reader.NewScan().CountAsync());
        Assert.Contains($"data file {files[0]} is missing", e.Message, StringComparison.Ordinal);
        var check = await Assert.ThrowsAsync<DamagedTableException>(() => reader.VerifyCurrentSnapshotAsync());
        Assert.Contains(files[0], check.Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(LocalPath(t, files[0]), "not parquet");
        var corrupt = await Assert.ThrowsAsync<DamagedTableException>(async () => await (await OpenAsync()).NewScan().CountAsync());
        Assert.Contains($"data file {files[0]} cannot be read", corrupt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cleanup_removes_and_reports_temporary_files_of_a_killed_writer()
    {
        var t = await ThreeAppendsAsync();
        // a writer killed mid-write: its temporary file stays (nothing disposes the writer)
        var abandoned = await _fx.Store.OpenWriteAsync($"db/t/data/{Guid.NewGuid():N}.parquet");
        await abandoned.Stream.WriteAsync(new byte[1000]);
        await abandoned.Stream.FlushAsync();
        var temp = Directory.EnumerateFiles(Path.Combine(_fx.Dir.Path, "db", "t", "data"), "*.dativo-tmp").Single();

        Assert.Empty(await t.FindOrphanFilesAsync(TimeSpan.FromHours(1))); // within the grace period it may be a live write
        File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddHours(-2));
        var orphan = Assert.Single(await t.FindOrphanFilesAsync(TimeSpan.FromHours(1)));
        Assert.True(orphan.Temporary);
        Assert.Equal(1000, orphan.Size);
        Assert.Single(await t.DeleteOrphanFilesAsync(TimeSpan.FromHours(1)));
        Assert.False(File.Exists(temp));
        Assert.Equal(30, await t.NewScan().CountAsync());
    }

    private static async Task<IReadOnlyList<ManifestFile>> ManifestsOfCurrentAsync(IcebergTable t)
    {
        var list = await File.ReadAllBytesAsync(t.IO.LocalPath(t.Metadata.CurrentSnapshot!.ManifestList)!);
        return ManifestListFile.Read(new MemoryStream(list));
    }
}
