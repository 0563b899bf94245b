using System.Text.Json.Nodes;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage.Local;
using Dativo.Testing;
using Microsoft.Data.Sqlite;

namespace Dativo.Cli.Tests;

/// <summary>
/// <c>dativo table …</c> on damaged tables, a damaged catalog and a full disk: exit code 2 with a message naming the file
/// and the repair, never a stack trace; <c>table list</c> keeps listing the healthy tables.
/// </summary>
public sealed class TableDamageCliTests : IDisposable
{
    private readonly TempDir _wh = new("dativo-table-damage-");

    private static readonly IcebergSchema Schema = new(0,
    [
        NestedField.Require(1, "id", IcebergType.Long),
        NestedField.Optional(2, "country", IcebergType.String),
    ]);

    private static RecordBatch Rows(long first, int count) => new(Schema,
        [Enumerable.Range(0, count).Select(i => first + i).ToArray(), Enumerable.Range(0, count).Select(i => (string?)(i % 2 == 0 ? "NL" : "DE")).ToArray()]);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _wh.Dispose();
    }

    /// <summary>sales.orders and sales.returns, three appends of 10 rows each.</summary>
    private async Task<(IcebergTable Orders, IcebergTable Returns)> CreateAsync(ICatalog? catalog = null, string? warehouse = null)
    {
        catalog ??= Catalogs.Open(new CatalogOptions { Warehouse = _wh.Path });
        await catalog.CreateNamespaceAsync("sales");
        var store = new LocalObjectStore(warehouse ?? _wh.Path);
        var tables = new List<IcebergTable>();
        foreach (var name in new[] { "orders", "returns" })
        {
            var t = await IcebergTables.CreateAsync(catalog, store, new TableIdentifier("sales", name), Schema,
                new CreateTableOptions { PartitionSpec = new PartitionSpecBuilder(Schema).Identity("country").Build() });
            for (var i = 0; i < 3; i++) await t.AppendAsync(Rows(i * 10, 10));
            tables.Add(t);
        }
        return (tables[0], tables[1]);
    }

    private Task<CliRunner.Result> Run(params string[] args) => CliRunner.RunAsync(_wh.Path, [.. args, "--warehouse", _wh.Path]);

    private static void AssertUserError(CliRunner.Result r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 2, r.All);
        Assert.DoesNotContain("   at ", r.All, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", r.All, StringComparison.Ordinal);
        foreach (var m in mentions) Assert.Contains(m, r.Stderr, StringComparison.Ordinal);
    }

    private static string Local(IcebergTable t, string location) => t.IO.LocalPath(location)!;

    [Fact]
    public async Task A_lost_manifest_list_is_named_by_show_and_query_list_marks_the_table_and_a_rollback_repairs_it()
    {
        var (orders, _) = await CreateAsync();
        var current = orders.Metadata.CurrentSnapshot!;
        File.Delete(Local(orders, current.ManifestList));
        var list = Path.GetFileName(current.ManifestList);

        AssertUserError(await Run("table", "show", "sales.orders"), list, "is missing", "dativo table rollback sales.orders --to-snapshot");
        AssertUserError(await Run("table", "query", "sales.orders", "--sql", "SELECT count(*) FROM t"), list);

        var listed = await Run("table", "list", "--json");
        Assert.True(listed.ExitCode == 1, listed.All); // listed, but not everything is healthy
        var rows = JsonNode.Parse(listed.Stdout)!.AsArray();
        Assert.Equal(2, rows.Count);
        Assert.Contains(list, (string?)rows.Single(r => (string?)r!["table"] == "orders")!["error"], StringComparison.Ordinal);
        Assert.Equal(3, (int)rows.Single(r => (string?)r!["table"] == "returns")!["snapshots"]!);
        Assert.Contains(list, listed.Stderr, StringComparison.Ordinal);
        var text = await Run("table", "list");
        Assert.Equal(1, text.ExitCode);
        Assert.Contains("is damaged", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("returns", text.Stdout, StringComparison.Ordinal);

        var history = await Run("table", "history", "sales.orders"); // metadata is intact: the history is what to roll back with
        Assert.True(history.ExitCode == 0, history.All);
        var rollback = await Run("table", "rollback", "sales.orders", "--to-snapshot", current.ParentSnapshotId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(rollback.ExitCode == 0, rollback.All);
        var count = await Run("table", "query", "sales.orders", "--sql", "SELECT count(*) AS n FROM t", "--json");
        Assert.True(count.ExitCode == 0, count.All);
        Assert.Equal(20, (long)JsonNode.Parse(count.Stdout)![0]!["n"]!);
    }

    [Fact]
    public async Task A_lost_metadata_file_is_named_with_the_rollback_that_repairs_it()
    {
        var (orders, _) = await CreateAsync();
        File.Delete(Local(orders, orders.MetadataLocation));
        foreach (var command in new[] { "show", "history" })
            AssertUserError(await Run("table", command, "sales.orders"), "v4.metadata.json is missing", "--to-metadata", "v3.metadata.json");
        AssertUserError(await Run("table", "query", "sales.orders", "--sql", "SELECT 1 FROM t"), "v4.metadata.json");
        Assert.Equal(1, (await Run("table", "list")).ExitCode);

        var rollback = await Run("table", "rollback", "sales.orders", "--to-metadata", "v3.metadata.json");
        Assert.True(rollback.ExitCode == 0, rollback.All);
        var show = await Run("table", "show", "sales.orders", "--json");
        Assert.True(show.ExitCode == 0, show.All);
        Assert.Equal(20, (long)JsonNode.Parse(show.Stdout)!["records"]!);
        Assert.Equal(0, (await Run("table", "list")).ExitCode);
    }

    [Fact]
    public async Task A_lost_data_file_is_named_by_show_and_query()
    {
        var (orders, _) = await CreateAsync();
        var file = (await orders.NewScan().PlanFilesAsync()).Select(t => t.File.FilePath).Order(StringComparer.Ordinal).First();
        File.Delete(Local(orders, file));
        AssertUserError(await Run("table", "show", "sales.orders"), $"data file {file} is missing");
        AssertUserError(await Run("table", "query", "sales.orders", "--sql", "SELECT count(*) FROM t"), $"data file {file} is missing");
    }

    [Fact]
    public async Task A_zero_byte_or_garbage_catalog_is_an_error_naming_it_and_is_never_reinitialised()
    {
        await CreateAsync();
        var db = Path.Combine(_wh.Path, "catalog.db");
        SqliteConnection.ClearAllPools();
        await File.WriteAllBytesAsync(db, []);
        foreach (var args in new[] { new[] { "table", "list" }, ["table", "show", "sales.orders"] })
            AssertUserError(await Run(args), db, "is empty (0 bytes)", "Restore it from a backup");
        Assert.Equal(0, new FileInfo(db).Length); // not silently recreated as an empty catalog

        await File.WriteAllTextAsync(db, "this is not a database, but it is long enough to have a header of sorts....................................");
        AssertUserError(await Run("table", "list"), db, "is damaged or not a SQLite database");
    }

    [Fact]
    public async Task Cleanup_removes_and_counts_the_temporary_files_a_killed_writer_left()
    {
        var (orders, _) = await CreateAsync();
        var store = new LocalObjectStore(_wh.Path);
        var abandoned = await store.OpenWriteAsync("sales/orders/data/country=NL/killed.parquet"); // never committed nor disposed
        await abandoned.Stream.WriteAsync(new byte[4096]);
        await abandoned.Stream.FlushAsync();
        var temp = Directory.EnumerateFiles(Path.Combine(_wh.Path, "sales", "orders", "data", "country=NL"), "*.dativo-tmp").Single();
        File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddHours(-3));

        var clean = await Run("table", "cleanup", "sales.orders");
        Assert.True(clean.ExitCode == 0, clean.All);
        Assert.Contains("deleted 1 orphan file(s) (4096 bytes), of which 1 unfinished temporary file(s)", clean.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(temp));
        Assert.Equal(30, await orders.NewScan().CountAsync());
    }

    [SkippableFact]
    public async Task Table_commands_on_a_full_disk_exit_2_naming_the_file_and_leave_nothing_behind()
    {
        using var disk = SmallDisk.TryMount(Path.Combine(_wh.Path, "lake"), 8 << 20);
        Skip.If(disk is null, "mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN)");
        var catalogUri = "sqlite:///" + Path.Combine(_wh.Path, "catalog.db").TrimStart('/'); // off the full disk: only table files meet it
        await CreateAsync(Catalogs.Open(new CatalogOptions { Uri = catalogUri }), disk.Path);
        var before = disk.Files();
        disk.Fill();
        foreach (var args in new[]
        {
            new[] { "table", "properties", "sales.orders", "--set", "owner=data-eng" },
            ["table", "compact", "sales.orders"],
            ["table", "expire", "sales.orders", "--older-than", "0s"],
        })
        {
            var r = await CliRunner.RunAsync(_wh.Path, [.. args, "--warehouse", disk.Path, "--catalog", catalogUri]);
            AssertUserError(r, "cannot write " + Path.Combine(disk.Path, "sales", "orders"), "No space left on device", "free space");
        }
        disk.FreeUp();
        Assert.Equal(before, disk.Files());
        var ok = await CliRunner.RunAsync(_wh.Path, "table", "compact", "sales.orders", "--warehouse", disk.Path, "--catalog", catalogUri);
        Assert.True(ok.ExitCode == 0, ok.All);
    }
}
