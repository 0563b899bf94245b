using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.State;
using Dativo.Lake.Storage;
using Dativo.Lake.Storage.Local;
using Dativo.Lake.Tests.Support;
using Dativo.Testing;
using Microsoft.Data.Sqlite;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>
/// Writes on a real full disk (a small tmpfs; skipped where mounting is not permitted): the error names the file and the
/// fix, nothing the failed write started is left behind, and a retry after freeing space succeeds.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly TempDir _dir = new("dativo-full-disk-");
    private readonly SmallDisk? _disk;

    public FullDiskTests() => _disk = SmallDisk.TryMount(Path.Combine(_dir.Path, "disk"), 4 << 20);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _disk?.Dispose();
        _dir.Dispose();
    }

    private SmallDisk Disk
    {
        get
        {
            Skip.If(_disk is null, "mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN)");
            return _disk!;
        }
    }

    /// <summary>The catalog lives off the small disk, so only the table's files meet the full disk.</summary>
    private ICatalog Catalog() => Catalogs.Open(new CatalogOptions { Name = "test", Uri = Path.Combine(_dir.Path, "catalog.db") });

    private async Task<IcebergTable> CreateAsync(IObjectStore store, IReadOnlyDictionary<string, string>? props = null)
    {
        var catalog = Catalog();
        await catalog.CreateNamespaceAsync("db");
        return await IcebergTables.CreateAsync(catalog, store, new TableIdentifier("db", "t"), TableFixture.EventSchema, new CreateTableOptions { Properties = props });
    }

    [SkippableFact]
    public async Task Full_disk_on_the_metadata_write_fails_at_once_names_the_file_and_leaves_nothing_behind()
    {
        var disk = Disk;
        var store = new HookedStore(new LocalObjectStore(disk.Path));
        var t = await CreateAsync(store);
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 100));
        var before = disk.Files();

        // data file, manifest and manifest list are written; the disk fills up just before the new metadata file
        store.BeforePutIfAbsent = key =>
        {
            if (key.EndsWith(".metadata.json", StringComparison.Ordinal)) disk.Fill();
            return Task.CompletedTask;
        };
        store.PutIfAbsentCalls.Clear();
        var e = await Assert.ThrowsAsync<StorageWriteException>(() => t.AppendAsync(TableFixture.Events(t.Schema, 100, 100)));
        Assert.True(e.OutOfSpace);
        Assert.Contains(Path.Combine(disk.Path, "db", "t", "metadata", "v3.metadata.json"), e.Message, StringComparison.Ordinal);
        Assert.Contains("free space", e.Message, StringComparison.Ordinal);
        // a full disk is not a name taken by another writer: one attempt, not twenty
        Assert.Equal(1, store.PutIfAbsentCalls.Where(kv => kv.Key.EndsWith(".metadata.json", StringComparison.Ordinal)).Sum(kv => kv.Value));

        store.BeforePutIfAbsent = null;
        disk.FreeUp();
        Assert.Equal(before, disk.Files()); // no data file, manifest, manifest list or temp file of the failed commit
        await t.AppendAsync(TableFixture.Events(t.Schema, 200, 100));
        Assert.Equal(200, await t.NewScan().CountAsync());
    }

    [SkippableFact]
    public async Task Full_disk_while_writing_data_files_deletes_the_files_already_finished()
    {
        var disk = Disk;
        // small files: several are finished before the disk runs out
        var t = await CreateAsync(new LocalObjectStore(disk.Path), new Dictionary<string, string>
        {
            ["write.target-file-size-bytes"] = "65536", ["write.parquet.row-group-rows"] = "2000", ["write.parquet.compression-codec"] = "uncompressed",
        });
        var before = disk.Files();
        var batches = Enumerable.Range(0, 400).Select(i => TableFixture.Events(t.Schema, i * 2000L, 2000));
        var e = await Assert.ThrowsAsync<StorageWriteException>(() => t.AppendAsync(batches));
        Assert.True(e.OutOfSpace);
        Assert.Contains(".parquet", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, disk.Files()); // the finished files went with the failed write
        Assert.Null((await IcebergTables.OpenAsync(Catalog(), new LocalObjectStore(disk.Path), new TableIdentifier("db", "t"))).Metadata.CurrentSnapshot);
    }

    [SkippableFact]
    public async Task A_store_write_on_a_full_disk_leaves_no_temporary_file()
    {
        var disk = Disk;
        var store = new LocalObjectStore(disk.Path);
        disk.Fill();
        var put = await Assert.ThrowsAsync<StorageWriteException>(() => store.PutBytesAsync("a/b.bin", new byte[256 << 10]));
        Assert.Contains(Path.Combine(disk.Path, "a", "b.bin"), put.Message, StringComparison.Ordinal);

        // a streaming write: closing the temp file flushes its buffer, which fails again; the temp file must go anyway
        var writer = await store.OpenWriteAsync("a/c.bin");
        await Assert.ThrowsAsync<StorageWriteException>(async () =>
        {
            for (var i = 0; i < 64; i++) await writer.Stream.WriteAsync(new byte[64 << 10]);
            await writer.CommitAsync();
        });
        await writer.DisposeAsync();
        Assert.Empty(disk.Files());
    }

    [SkippableFact]
    public async Task Sqlite_catalog_and_state_store_on_a_full_disk_name_their_database()
    {
        var disk = Disk;
        var catalog = Catalogs.Open(new CatalogOptions { Name = "test", Warehouse = disk.Path });
        await catalog.CreateNamespaceAsync("db");
        var state = StateStores.Open(new StateStoreOptions { Directory = disk.Path });
        await state.PutAsync("ns", "k", "{}");
        disk.Fill();
        var big = new Dictionary<string, string> { ["blob"] = new string('x', 900) };
        var e = await Assert.ThrowsAsync<DativoException>(async () =>
        {
            for (var i = 0; i < 200; i++) await catalog.CreateNamespaceAsync("ns" + i, big);
        });
        Assert.Contains(Path.Combine(disk.Path, "catalog.db"), e.Message, StringComparison.Ordinal);
        Assert.Contains("catalog database", e.Message, StringComparison.Ordinal);
        var s = await Assert.ThrowsAsync<DativoException>(async () =>
        {
            for (var i = 0; i < 200; i++) await state.PutAsync("ns", "k" + i, "{\"v\":\"" + new string('y', 900) + "\"}");
        });
        Assert.Contains(Path.Combine(disk.Path, StateStores.DefaultFileName), s.Message, StringComparison.Ordinal);
        Assert.Contains("state store database", s.Message, StringComparison.Ordinal);
    }
}
