using System.Text.Json.Nodes;
using Dativo.Aws;
using Dativo.Aws.Testing;
using Dativo.Lake.Catalog;
using Dativo.Lake.Catalog.Glue;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage.Local;
using Dativo.Lake.Tests.Iceberg;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Catalog;

/// <summary>
/// The Glue Data Catalog as an Iceberg catalog, against a local endpoint that accepts only requests valid under Glue's
/// botocore model and keeps tables like Glue does: a VersionId per table, UpdateTable refused with
/// ConcurrentModificationException when the VersionId sent is not the current one.
/// </summary>
public sealed class GlueCatalogTests
{
    [Fact]
    public async Task Tables_are_registered_as_Athena_and_EMR_expect_and_each_commit_moves_the_pointer()
    {
        using var glue = new FakeGlue();
        using var dir = new TempDir("dativo-glue-");
        var store = new LocalObjectStore(dir.Path);
        var catalog = glue.Catalog();

        var table = await IcebergTables.CreateAsync(catalog, store, new TableIdentifier("sales", "orders"), TableFixture.EventSchema);
        var created = glue.Table("sales", "orders");
        Assert.Equal("EXTERNAL_TABLE", created["TableType"]!.GetValue<string>());
        Assert.Equal("ICEBERG", created["Parameters"]!["table_type"]!.GetValue<string>());
        var first = created["Parameters"]!["metadata_location"]!.GetValue<string>();
        Assert.Equal(table.MetadataLocation, first);
        Assert.Equal(table.Location, created["StorageDescriptor"]!["Location"]!.GetValue<string>());

        await table.AppendAsync(TableFixture.Events(table.Schema, 0, 10));
        await table.AppendAsync(TableFixture.Events(table.Schema, 10, 5));
        var parameters = glue.Table("sales", "orders")["Parameters"]!;
        var reopened = await IcebergTables.OpenAsync(glue.Catalog(), store, new TableIdentifier("sales", "orders"));
        Assert.Equal(reopened.MetadataLocation, parameters["metadata_location"]!.GetValue<string>());
        Assert.NotEqual(first, reopened.MetadataLocation);
        Assert.NotNull(parameters["previous_metadata_location"]);
        Assert.Equal(15, long.Parse(reopened.Metadata.CurrentSnapshot!.Summary["total-records"], System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(["sales"], await catalog.ListNamespacesAsync());
        Assert.Equal([new TableIdentifier("sales", "orders")], await catalog.ListTablesAsync("sales"));
        Assert.Empty(glue.Server.Violations);
    }

    [Fact]
    public async Task A_commit_based_on_a_version_another_writer_replaced_is_refused()
    {
        using var glue = new FakeGlue();
        var catalog = glue.Catalog();
        var id = new TableIdentifier("sales", "orders");
        Assert.True(await catalog.CreateTableAsync(id, "s3://b/sales/orders/metadata/v1.metadata.json"));

        // another writer commits between our GetTable and our UpdateTable: Glue sees our stale VersionId
        glue.BeforeUpdate = () => glue.Bump("sales", "orders", "s3://b/sales/orders/metadata/v2-other.metadata.json");
        Assert.False(await catalog.SwapMetadataLocationAsync(id, "s3://b/sales/orders/metadata/v1.metadata.json", "s3://b/sales/orders/metadata/v2.metadata.json"));
        Assert.Equal("s3://b/sales/orders/metadata/v2-other.metadata.json", await catalog.LoadMetadataLocationAsync(id));

        // a stale expectation is refused before any update
        glue.BeforeUpdate = null;
        Assert.False(await catalog.SwapMetadataLocationAsync(id, "s3://b/sales/orders/metadata/v1.metadata.json", "s3://b/sales/orders/metadata/v3.metadata.json"));
        Assert.True(await catalog.SwapMetadataLocationAsync(id, "s3://b/sales/orders/metadata/v2-other.metadata.json", "s3://b/sales/orders/metadata/v3.metadata.json"));
        Assert.Equal("s3://b/sales/orders/metadata/v3.metadata.json", await catalog.LoadMetadataLocationAsync(id));
        Assert.Equal(1, glue.RefusedUpdates);
        Assert.Empty(glue.Server.Violations);
    }

    [Fact]
    public async Task Two_writers_appending_at_once_both_land_through_the_version_check()
    {
        using var glue = new FakeGlue();
        using var dir = new TempDir("dativo-glue-");
        var store = new LocalObjectStore(dir.Path);
        var id = new TableIdentifier("db", "events");
        await IcebergTables.CreateAsync(glue.Catalog(), store, id, TableFixture.EventSchema);
        var a = await IcebergTables.OpenAsync(glue.Catalog(), store, id);
        var b = await IcebergTables.OpenAsync(glue.Catalog(), store, id);
        // b commits while a is between reading the table and updating it: a's update is refused, a retries on the new base
        var once = true;
        glue.BeforeUpdate = () =>
        {
            if (!once) return;
            once = false;
            b.AppendAsync(TableFixture.Events(b.Schema, 100, 7)).GetAwaiter().GetResult();
        };
        await a.AppendAsync(TableFixture.Events(a.Schema, 0, 3));
        var final = await IcebergTables.OpenAsync(glue.Catalog(), store, id);
        Assert.Equal(10, long.Parse(final.Metadata.CurrentSnapshot!.Summary["total-records"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(glue.RefusedUpdates >= 1);
        Assert.Empty(glue.Server.Violations);
    }

    [Fact]
    public async Task A_Glue_table_that_is_not_Iceberg_is_named_and_left_alone_and_lists_page_through()
    {
        using var glue = new FakeGlue(pageSize: 1);
        var catalog = glue.Catalog();
        glue.Put("db", "hive_orders", new JsonObject { ["Name"] = "hive_orders", ["TableType"] = "EXTERNAL_TABLE", ["Parameters"] = new JsonObject { ["classification"] = "csv" } });
        for (var i = 0; i < 3; i++) Assert.True(await catalog.CreateTableAsync(new TableIdentifier("db", $"t{i}"), $"s3://b/db/t{i}/metadata/v1.metadata.json"));

        var e = await Assert.ThrowsAnyAsync<Core.Errors.DativoException>(() => catalog.LoadMetadataLocationAsync(new TableIdentifier("db", "hive_orders")));
        Assert.Contains("db.hive_orders is not an Iceberg table", e.Message);
        Assert.False(await catalog.CreateTableAsync(new TableIdentifier("db", "t1"), "s3://b/x/metadata/v1.metadata.json"));
        Assert.Equal(["t0", "t1", "t2"], (await catalog.ListTablesAsync("db")).Select(t => t.Name));
        Assert.True(await catalog.DropTableAsync(new TableIdentifier("db", "t0")));
        Assert.False(await catalog.DropTableAsync(new TableIdentifier("db", "t0")));
        Assert.Empty(await catalog.ListTablesAsync("nowhere"));
        Assert.Empty(glue.Server.Violations);
    }

    [Fact]
    public void Catalog_uris_name_what_is_wrong()
    {
        Assert.Contains("12-digit", Assert.ThrowsAny<Core.Errors.DativoException>(() => Catalogs.Open(new CatalogOptions { Uri = "glue://12345?region=eu-west-1" })).Message);
        Assert.Contains("unknown setting 'regoin'", Assert.ThrowsAny<Core.Errors.DativoException>(() => Catalogs.Open(new CatalogOptions { Uri = "glue://?regoin=eu-west-1" })).Message);
        Assert.IsType<GlueCatalog>(Catalogs.Open(new CatalogOptions { Uri = "glue://123456789012?region=eu-west-1" }));
    }

    /// <summary>Glue's table bookkeeping behind the model-checked endpoint.</summary>
    private sealed class FakeGlue : IDisposable
    {
        private readonly Dictionary<string, SortedDictionary<string, (JsonObject Table, int Version)>> _dbs = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();
        private readonly int _pageSize;

        public FakeGlue(int pageSize = 100)
        {
            _pageSize = pageSize;
            Server = new ModelCheckedAwsServer("glue", Handle);
        }

        public ModelCheckedAwsServer Server { get; }

        /// <summary>Runs before an UpdateTable is judged (outside the lock): lets a test commit "in between".</summary>
        public Action? BeforeUpdate { get; set; }

        public int RefusedUpdates { get; private set; }

        public ICatalog Catalog() => new GlueCatalog("glue", new AwsJsonClient(AwsService.Glue, Server.ClientOptions()), "123456789012");

        public JsonObject Table(string db, string name)
        {
            lock (_gate) return (JsonObject)_dbs[db][name].Table.DeepClone();
        }

        public void Put(string db, string name, JsonObject table)
        {
            lock (_gate) Db(db)[name] = (table, 1);
        }

        public void Bump(string db, string name, string metadataLocation)
        {
            lock (_gate)
            {
                var (t, v) = _dbs[db][name];
                t["Parameters"]!["metadata_location"] = metadataLocation;
                _dbs[db][name] = (t, v + 1);
            }
        }

        private SortedDictionary<string, (JsonObject, int)> Db(string name)
        {
            if (!_dbs.TryGetValue(name, out var db)) _dbs[name] = db = new(StringComparer.Ordinal);
            return db;
        }

        private ModelAnswer Handle(string op, JsonObject input)
        {
            if (op == "UpdateTable") BeforeUpdate?.Invoke();
            lock (_gate) return HandleLocked(op, input);
        }

        private ModelAnswer HandleLocked(string op, JsonObject input)
        {
            var dbName = input["DatabaseName"]?.GetValue<string>();
            switch (op)
            {
                case "CreateDatabase":
                    var name = input["DatabaseInput"]!["Name"]!.GetValue<string>();
                    if (_dbs.ContainsKey(name)) return ModelAnswer.Error("AlreadyExistsException", $"Database {name} already exists.");
                    Db(name);
                    return ModelAnswer.Ok([]);
                case "GetDatabases":
                    return ModelAnswer.Ok(new JsonObject { ["DatabaseList"] = new JsonArray([.. _dbs.Keys.Order(StringComparer.Ordinal).Select(n => (JsonNode)new JsonObject { ["Name"] = n })]) });
                case "CreateTable":
                {
                    if (!_dbs.TryGetValue(dbName!, out var db)) return ModelAnswer.Error("EntityNotFoundException", $"Database {dbName} not found.");
                    var t = (JsonObject)input["TableInput"]!.DeepClone();
                    var n = t["Name"]!.GetValue<string>();
                    if (db.ContainsKey(n)) return ModelAnswer.Error("AlreadyExistsException", $"Table {n} already exists.");
                    db[n] = (t, 1);
                    return ModelAnswer.Ok([]);
                }
                case "GetTable":
                {
                    var n = input["Name"]!.GetValue<string>();
                    if (!_dbs.TryGetValue(dbName!, out var db) || !db.TryGetValue(n, out var entry)) return ModelAnswer.Error("EntityNotFoundException", $"Table {n} not found.");
                    return ModelAnswer.Ok(new JsonObject { ["Table"] = WithVersion(entry, dbName!) });
                }
                case "GetTables":
                {
                    if (!_dbs.TryGetValue(dbName!, out var db)) return ModelAnswer.Error("EntityNotFoundException", $"Database {dbName} not found.");
                    var start = input["NextToken"] is { } token ? int.Parse(token.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : 0;
                    var page = db.Values.Skip(start).Take(_pageSize).Select(e => (JsonNode)WithVersion(e, dbName!)).ToArray();
                    var answer = new JsonObject { ["TableList"] = new JsonArray(page) };
                    if (start + _pageSize < db.Count) answer["NextToken"] = (start + _pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return ModelAnswer.Ok(answer);
                }
                case "UpdateTable":
                {
                    var t = (JsonObject)input["TableInput"]!.DeepClone();
                    var n = t["Name"]!.GetValue<string>();
                    if (!_dbs.TryGetValue(dbName!, out var db) || !db.TryGetValue(n, out var entry)) return ModelAnswer.Error("EntityNotFoundException", $"Table {n} not found.");
                    var sent = input["VersionId"]?.GetValue<string>();
                    if (sent is null || sent != entry.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    {
                        RefusedUpdates++;
                        return ModelAnswer.Error("ConcurrentModificationException", $"Update table failed due to concurrent modifications (version {sent} is not {entry.Version}).");
                    }
                    db[n] = (t, entry.Version + 1);
                    return ModelAnswer.Ok([]);
                }
                case "DeleteTable":
                {
                    var n = input["Name"]!.GetValue<string>();
                    if (!_dbs.TryGetValue(dbName!, out var db) || !db.Remove(n)) return ModelAnswer.Error("EntityNotFoundException", $"Table {n} not found.");
                    return ModelAnswer.Ok([]);
                }
                default:
                    return ModelAnswer.Error("InvalidInputException", $"the fake Glue does not script {op}");
            }
        }

        public void Dispose() => Server.Dispose();

        private static JsonObject WithVersion((JsonObject Table, int Version) e, string db)
        {
            var t = (JsonObject)e.Table.DeepClone();
            t["DatabaseName"] = db;
            t["VersionId"] = e.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return t;
        }
    }
}
