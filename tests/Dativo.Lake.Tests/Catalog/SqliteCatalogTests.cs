using Dativo.Lake.Catalog;
using Dativo.Lake.Catalog.Sql;
using Dativo.Testing;
using Microsoft.Data.Sqlite;

namespace Dativo.Lake.Tests.Catalog;

public sealed class SqliteCatalogTests : CatalogContractTests, IDisposable
{
    private readonly TempDir _dir = new("dativo-catalog-");

    protected override ICatalog NewCatalog(string name = "test") =>
        Catalogs.Open(new CatalogOptions { Name = name, Warehouse = _dir.Path });

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task Default_database_is_catalog_db_in_the_warehouse_in_wal_mode()
    {
        await NewCatalog().CreateNamespaceAsync("x");
        var path = Path.Combine(_dir.Path, "catalog.db");
        Assert.True(File.Exists(path));
        await using var c = new SqliteConnection($"Data Source={path}");
        await c.OpenAsync();
        Assert.Equal("wal", (string?)await c.ScalarAsync("PRAGMA journal_mode", default));
    }

    [Fact]
    public async Task Tables_have_the_jdbc_catalog_layout()
    {
        await NewCatalog().CreateNamespaceAsync("x", new Dictionary<string, string> { ["k"] = "v" });
        await using var c = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "catalog.db")}");
        await c.OpenAsync();
        Assert.Equal(
            ["catalog_name", "table_namespace", "table_name", "metadata_location", "previous_metadata_location", "iceberg_type"],
            await Columns(c, "iceberg_tables"));
        Assert.Equal(["catalog_name", "namespace", "property_key", "property_value"], await Columns(c, "iceberg_namespace_properties"));
        var props = new List<string>();
        await using (var cmd = c.Command("SELECT property_key || '=' || property_value FROM iceberg_namespace_properties WHERE catalog_name='test' AND namespace='x' ORDER BY 1"))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) props.Add(r.GetString(0));
        Assert.Equal(["exists=true", "k=v"], props);

        Assert.True(await NewCatalog().CreateTableAsync(new TableIdentifier("x", "t"), "m1"));
        Assert.True(await NewCatalog().SwapMetadataLocationAsync(new TableIdentifier("x", "t"), "m1", "m2"));
        await using var row = c.Command("SELECT metadata_location, previous_metadata_location, iceberg_type FROM iceberg_tables");
        await using var rr = await row.ExecuteReaderAsync();
        Assert.True(await rr.ReadAsync());
        Assert.Equal(("m2", "m1", "TABLE"), (rr.GetString(0), rr.GetString(1), rr.GetString(2)));
    }

    [Fact]
    public async Task Reads_a_catalog_created_without_iceberg_type_like_pyiceberg_does()
    {
        var path = Path.Combine(_dir.Path, "catalog.db");
        await using (var c = new SqliteConnection($"Data Source={path}"))
        {
            await c.OpenAsync();
            await c.ExecuteAsync(
                """
                CREATE TABLE iceberg_tables (catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL,
                  table_name VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000),
                  PRIMARY KEY (catalog_name, table_namespace, table_name));
                INSERT INTO iceberg_tables VALUES ('test', 'py', 'tbl', 'file:///w/py/tbl/metadata/1.json', NULL);
                """, default);
        }
        var catalog = NewCatalog();
        Assert.Equal("file:///w/py/tbl/metadata/1.json", await catalog.LoadMetadataLocationAsync(new TableIdentifier("py", "tbl")));
        Assert.Equal(["tbl"], (await catalog.ListTablesAsync("py")).Select(t => t.Name));
        Assert.True(await catalog.SwapMetadataLocationAsync(new TableIdentifier("py", "tbl"), "file:///w/py/tbl/metadata/1.json", "2.json"));
    }

    private static async Task<List<string>> Columns(SqliteConnection c, string table)
    {
        var list = new List<string>();
        await using var cmd = c.Command($"SELECT name FROM pragma_table_info('{table}') ORDER BY cid");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        return list;
    }
}
