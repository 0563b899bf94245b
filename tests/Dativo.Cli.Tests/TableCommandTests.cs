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

/// <summary><c>dativo table …</c> through the launcher, on a warehouse made with the lake API.</summary>
public sealed class TableCommandTests : IDisposable
{
    private readonly TempDir _wh = new("dativo-table-cli-");

    private static readonly IcebergSchema Schema = new(0,
    [
        NestedField.Require(1, "id", IcebergType.Long),
        NestedField.Optional(2, "country", IcebergType.String),
    ]);

    private static RecordBatch Rows(long first, int count) => new(Schema,
        [Enumerable.Range(0, count).Select(i => first + i).ToArray(), Enumerable.Range(0, count).Select(i => (string?)(i % 2 == 0 ? "NL" : "DE")).ToArray()]);

    private async Task<IcebergTable> CreateAsync(int appends)
    {
        var catalog = Catalogs.Open(new CatalogOptions { Warehouse = _wh.Path });
        await catalog.CreateNamespaceAsync("sales");
        var t = await IcebergTables.CreateAsync(catalog, new LocalObjectStore(_wh.Path), new TableIdentifier("sales", "orders"), Schema,
            new CreateTableOptions { PartitionSpec = new PartitionSpecBuilder(Schema).Identity("country").Build() });
        for (var i = 0; i < appends; i++) await t.AppendAsync(Rows(i * 10, 10));
        return t;
    }

    private Task<CliRunner.Result> Run(params string[] args) => CliRunner.RunAsync(_wh.Path, [.. args, "--warehouse", _wh.Path]);

    private static JsonNode Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.All);
        return JsonNode.Parse(r.Stdout)!;
    }

    [Fact]
    public async Task List_show_history_properties_compact_expire()
    {
        await CreateAsync(appends: 3);
        var list = Json(await Run("table", "list", "--json")).AsArray();
        var row = Assert.Single(list);
        Assert.Equal("sales", (string?)row!["namespace"]);
        Assert.Equal(3, (int)row["snapshots"]!);

        var show = Json(await Run("table", "show", "sales.orders", "--json"));
        Assert.Equal(30, (long)show["records"]!);
        Assert.Equal(6, (long)show["data_files"]!);
        Assert.Equal(0, (int)show["orphan_files"]!);
        Assert.Equal("country", (string?)show["partition_spec"]![0]!["source"]);
        Assert.Equal("id", (string?)show["schema"]![0]!["name"]);

        var text = await Run("table", "show", "sales.orders");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("orphan files", text.Stdout, StringComparison.Ordinal);

        Assert.Equal(3, Json(await Run("table", "history", "sales.orders", "--json")).AsArray().Count);
        Assert.Contains("append", (await Run("table", "history", "sales.orders")).Stdout, StringComparison.Ordinal);

        var props = Json(await Run("table", "properties", "sales.orders", "--set", "owner=data-eng", "--set", "tier=gold", "--json"));
        Assert.Equal("data-eng", (string?)props["owner"]);
        props = Json(await Run("table", "properties", "sales.orders", "--unset", "tier", "--json"));
        Assert.Null(props["tier"]);
        Assert.Equal("data-eng", (string?)props["owner"]);

        var compact = await Run("table", "compact", "sales.orders");
        Assert.True(compact.ExitCode == 0, compact.All);
        Assert.Contains("rewrote 6 file(s) into 2", compact.Stdout, StringComparison.Ordinal);

        var expire = await Run("table", "expire", "sales.orders", "--older-than", "0s", "--retain-last", "1");
        Assert.True(expire.ExitCode == 0, expire.All);
        Assert.Contains("expired", expire.Stdout, StringComparison.Ordinal);
        Assert.Single(Json(await Run("table", "history", "sales.orders", "--json")).AsArray());

        var q = Json(await Run("table", "query", "sales.orders", "--sql", "SELECT country, count(*) AS n FROM t GROUP BY 1 ORDER BY 1", "--json")).AsArray();
        Assert.Equal(15, (long)q[0]!["n"]!);
        Assert.Equal(30, (long)Json(await Run("table", "show", "sales.orders", "--json"))["records"]!);
    }

    [Fact]
    public async Task Query_prints_times_as_microseconds_binary_as_hex_and_instants_in_iso_8601()
    {
        await CreateAsync(appends: 1);
        const string sql = "SELECT TIME '01:02:03.000004' AS tod, '\\xAA\\x0F\\x00'::BLOB AS bin, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, "
            + "TIMESTAMPTZ '2024-01-02 03:04:05.5+02:00' AS tstz, DATE '2024-01-02' AS d FROM t WHERE id = 0";
        var json = Json(await Run("table", "query", "sales.orders", "--sql", sql, "--json")).AsArray().Single()!;
        Assert.Equal("01:02:03.000004", (string?)json["tod"]);
        Assert.Equal("aa0f00", (string?)json["bin"]);
        Assert.Equal("2024-01-02T03:04:05.123456", (string?)json["ts"]);
        Assert.Equal("2024-01-02T01:04:05.500000Z", (string?)json["tstz"]);
        Assert.Equal("2024-01-02", (string?)json["d"]);

        var text = await Run("table", "query", "sales.orders", "--sql", sql);
        Assert.True(text.ExitCode == 0, text.All);
        foreach (var v in new[] { "01:02:03.000004", "aa0f00", "2024-01-02T03:04:05.123456", "2024-01-02T01:04:05.500000Z" })
            Assert.Contains(v, text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_and_history_print_commit_times_in_iso_8601_utc()
    {
        await CreateAsync(appends: 1);
        var iso = new System.Text.RegularExpressions.Regex(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ");
        var history = await Run("table", "history", "sales.orders");
        Assert.True(history.ExitCode == 0, history.All);
        Assert.Matches(iso, history.Stdout);
        Assert.Matches(iso, (await Run("table", "show", "sales.orders")).Stdout);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", (string)Json(await Run("table", "history", "sales.orders", "--json"))[0]!["timestamp"]!);
    }

    [Fact]
    public async Task A_crash_left_orphan_is_reported_by_show_and_removed_by_cleanup()
    {
        var t = await CreateAsync(appends: 1);
        var written = await t.WriteDataFilesAsync([Rows(100, 5)]);   // the writer "dies" before committing
        Assert.NotEmpty(written);
        var show = Json(await Run("table", "show", "sales.orders", "--json"));
        Assert.Equal(written.Count, (int)show["orphan_files"]!);
        Assert.Equal(10, (long)show["records"]!);

        var keep = await Run("table", "cleanup", "sales.orders");      // default grace period 1h: in-flight files are kept
        Assert.True(keep.ExitCode == 0, keep.All);
        Assert.Contains("deleted 0 orphan file(s)", keep.Stdout, StringComparison.Ordinal);

        var clean = await Run("table", "cleanup", "sales.orders", "--older-than", "0s");
        Assert.True(clean.ExitCode == 0, clean.All);
        Assert.Contains($"deleted {written.Count} orphan file(s)", clean.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (int)Json(await Run("table", "show", "sales.orders", "--json"))["orphan_files"]!);
        Assert.Equal(10, (long)Json(await Run("table", "query", "sales.orders", "--sql", "SELECT count(*) AS n FROM t", "--json"))[0]!["n"]!);
    }

    [Fact]
    public async Task Interop_tables_open_by_location_with_a_location_map()
    {
        var root = Repo.Fixture("iceberg-interop");
        var map = $"s3a://hyperparam-iceberg/={root}/";
        var show = Json(await CliRunner.RunAsync(_wh.Path, "table", "show", Path.Combine(root, "java", "bunnies"), "--location-map", map, "--json"));
        Assert.Equal(22, (long)show["records"]!);
        var q = Json(await CliRunner.RunAsync(_wh.Path, "table", "query", Path.Combine(root, "java", "bunnies"), "--location-map", map, "--sql", "SELECT count(*) AS n FROM t", "--json"));
        Assert.Equal(15, (long)q[0]!["n"]!);
        var history = await CliRunner.RunAsync(_wh.Path, "table", "history", Path.Combine(root, "spark", "rename_column"), "--location-map", map);
        Assert.True(history.ExitCode == 0, history.All);
        var noMap = await CliRunner.RunAsync(_wh.Path, "table", "query", Path.Combine(root, "java", "bunnies"), "--sql", "SELECT 1 FROM t");
        Assert.Equal(2, noMap.ExitCode);
        Assert.Contains("location map", noMap.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_tables_and_corrupt_metadata_are_user_errors()
    {
        var t = await CreateAsync(appends: 1);
        var missing = await Run("table", "show", "sales.nope");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr, StringComparison.Ordinal);
        var metadataFile = new Uri(t.MetadataLocation).LocalPath;
        await File.WriteAllTextAsync(metadataFile, "{ not json");
        var corrupt = await Run("table", "show", "sales.orders");
        Assert.Equal(2, corrupt.ExitCode);
        Assert.Contains(Path.GetFileName(metadataFile), corrupt.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", corrupt.Stderr, StringComparison.Ordinal);

        // a folder without Iceberg metadata, and a Parquet dataset's folder (it has manifests of its own)
        var empty = Directory.CreateDirectory(Path.Combine(_wh.Path, "sales", "empty")).FullName;
        var none = await Run("table", "show", empty);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains($"no Iceberg metadata found under file://{empty}/metadata", none.Stderr, StringComparison.Ordinal);
        var top = await Run("table", "show", "/proc"); // a folder right under the root: its own path, not the working folder's
        Assert.Equal(2, top.ExitCode);
        Assert.Contains("/proc/metadata", top.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(_wh.Path, top.Stderr, StringComparison.Ordinal); // not <working folder>/proc
        Assert.DoesNotContain("   at ", none.Stderr, StringComparison.Ordinal);
        var dataset = Dativo.Lake.Datasets.ParquetDataset.Open(new LocalObjectStore(_wh.Path), "sales/exports");
        await dataset.AppendAsync([Rows(0, 5)]);
        var parquet = await Run("table", "show", Path.Combine(_wh.Path, "sales", "exports"));
        Assert.Equal(2, parquet.ExitCode);
        Assert.Contains("is a Parquet dataset", parquet.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", parquet.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_shows_every_catalog_row_whatever_names_another_tool_gave_it()
    {
        var good = await CreateAsync(appends: 2);
        // Rows as another tool may write them: dots, slashes, quotes, markup brackets and spaces in names, and one
        // whose metadata file is gone.
        string[][] odd = [["sales", "a.b"], ["sales", "../x"], ["Odd NS", "it's \"q\""], ["sales", "[red]b[/]"], ["sales", "gone"]];
        using (var db = new SqliteConnection($"Data Source={Path.Combine(_wh.Path, "catalog.db")}"))
        {
            db.Open();
            foreach (var row in odd)
            {
                using var cmd = db.CreateCommand();
                cmd.CommandText = "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, iceberg_type) VALUES ('default', $ns, $t, $loc, 'TABLE')";
                cmd.Parameters.AddWithValue("$ns", row[0]);
                cmd.Parameters.AddWithValue("$t", row[1]);
                cmd.Parameters.AddWithValue("$loc", row[1] == "gone" ? good.MetadataLocation + ".missing" : good.MetadataLocation);
                cmd.ExecuteNonQuery();
            }
        }

        var r = await Run("table", "list", "--json");
        Assert.Equal(1, r.ExitCode); // listed, but one table could not be opened
        var rows = JsonNode.Parse(r.Stdout)!.AsArray().Select(n => ((string)n!["namespace"]!, (string)n["table"]!, (int?)n["snapshots"], (string?)n["error"])).ToList();
        Assert.Equal(6, rows.Count);
        foreach (var (ns, name) in odd.Select(o => (o[0], o[1])).Append(("sales", "orders")).Where(t => t.Item2 != "gone"))
            Assert.Contains((ns, name, (int?)2, (string?)null), rows);
        var gone = Assert.Single(rows, x => x.Item2 == "gone");
        Assert.Null(gone.Item3);
        Assert.Contains("sales.gone", gone.Item4);

        var text = await Run("table", "list");
        Assert.Equal(1, text.ExitCode);
        Assert.DoesNotContain("   at ", text.All, StringComparison.Ordinal);
        foreach (var name in new[] { "a.b", "../x", "[red]b[/]", "orders", "gone" }) Assert.Contains(name, text.Stdout, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _wh.Dispose();
    }
}
