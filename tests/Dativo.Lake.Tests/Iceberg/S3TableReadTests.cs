using Dativo.Lake.Catalog;
using Dativo.Lake.Datasets;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage;
using Dativo.Testing;
using Dativo.Testing.Services;
using Microsoft.Data.Sqlite;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>Tables and datasets on an S3-compatible server: planned files are downloaded to a local cache for DuckDB.</summary>
public sealed class S3TableReadTests(S3BucketFixture s3) : IClassFixture<S3BucketFixture>, IDisposable
{
    private readonly TempDir _dir = new("dativo-s3-read-");

    private IObjectStore Open(string prefix) => ObjectStores.Open($"s3://{s3.Bucket}/{prefix}", new ObjectStoreOptions
    {
        Endpoint = s3.Endpoint,
        Region = "us-east-1",
        AccessKeyId = s3.AccessKey,
        SecretAccessKey = s3.SecretKey,
        EmulateConditionalWrites = true,   // s3rver ignores If-None-Match; one writer per test
    });

    [SkippableFact]
    public async Task An_iceberg_table_on_s3_is_read_with_deletes_applied()
    {
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        var store = Open("wh-" + Guid.NewGuid().ToString("N")[..8]);
        var catalog = Catalogs.Open(new CatalogOptions { Uri = Path.Combine(_dir.Path, "catalog.db") });
        await catalog.CreateNamespaceAsync("db");
        var table = await IcebergTables.CreateAsync(catalog, store, new TableIdentifier("db", "events"), TableFixture.EventSchema);
        await table.AppendAsync(TableFixture.Events(TableFixture.EventSchema, 0, 100));
        await table.AppendAsync(TableFixture.Events(TableFixture.EventSchema, 100, 50));
        await table.DeleteWhereAsync(Expr.Lt("id", 10L));
        Assert.Equal(140, await table.NewScan().CountAsync());
        var rows = await table.NewScan().Filter(Expr.Eq("id", 42L)).Select("id", "name").ReadAsync();
        Assert.Equal("name-42", (string?)Assert.Single(rows.Rows)[1]);
        var reopened = await IcebergTables.OpenAsync(catalog, store, new TableIdentifier("db", "events"));
        Assert.Equal(140, await reopened.NewScan().CountAsync());
    }

    [SkippableFact]
    public async Task A_parquet_dataset_on_s3_is_published_and_read()
    {
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        var ds = ParquetDataset.Open(Open("ds-" + Guid.NewGuid().ToString("N")[..8]), "exports/events");
        await ds.AppendAsync([TableFixture.Events(TableFixture.EventSchema, 0, 48)], ["day"]);
        await ds.AppendAsync([TableFixture.Events(TableFixture.EventSchema, 100, 10)], ["day"]);
        await using var engine = await DuckDbEngine.OpenAsync();
        await ds.RegisterViewAsync(engine, "t");
        var r = await engine.QueryAsync("SELECT count(*) FROM t");
        Assert.Equal(58L, Convert.ToInt64(r.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
