using Dativo.Lake.Catalog;
using Dativo.Lake.Datasets;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Types;
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

    private IObjectStore Open(string prefix, long partSize = 8 * 1024 * 1024) => ObjectStores.Open($"s3://{s3.Bucket}/{prefix}", new ObjectStoreOptions
    {
        PartSize = (int)partSize,
        MultipartThreshold = partSize,
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

    [SkippableFact]
    public async Task A_data_file_larger_than_a_part_is_uploaded_in_parts_and_reads_back()
    {
        Skip.If(s3.SkipReason is not null, s3.SkipReason);
        var store = Open("big-" + Guid.NewGuid().ToString("N")[..8], partSize: 5 * 1024 * 1024);
        var schema = new IcebergSchema(0, [NestedField.Require(1, "id", IcebergType.Long), NestedField.Optional(2, "blob", IcebergType.Binary)]);
        var random = new Random(42);
        RecordBatch Rows(int first, int count) => new(schema,
        [
            Enumerable.Range(first, count).Select(i => (long)i).ToArray(),
            Enumerable.Range(first, count).Select(_ => { var b = new byte[64]; random.NextBytes(b); return b; }).ToArray(),
        ]);
        var batches = new[] { Rows(0, 120_000), Rows(120_000, 80_000) };
        var options = new WriteOptions { Compression = ParquetSharp.Compression.Uncompressed };
        DataFile file;
        await using (var w = await ParquetFileWriter.CreateAsync(store, "big.parquet", schema, options, CancellationToken.None))
        {
            foreach (var b in batches) await w.WriteRowGroupAsync(b, CancellationToken.None);
            file = await w.CompleteAsync(store.UriOf("big.parquet"), CancellationToken.None);
        }
        Assert.True(file.FileSizeInBytes > 2 * 5 * 1024 * 1024, $"{file.FileSizeInBytes} bytes: not a multipart upload");
        var local = Path.Combine(_dir.Path, "big.parquet");
        await using (var src = await store.OpenReadAsync("big.parquet"))
        await using (var dst = File.Create(local))
            await src.CopyToAsync(dst);
        Assert.Equal(file.FileSizeInBytes, new FileInfo(local).Length);
        var check = Assert.Single(await ParquetWriterTests.QueryAsync($"SELECT count(*), sum(id)::BIGINT, count(DISTINCT blob) FROM read_parquet('{local}')"));
        Assert.Equal([200_000L, 199_999L * 200_000 / 2, 200_000L], check.Select(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)));
        var row = Assert.Single(await ParquetWriterTests.QueryAsync($"SELECT blob FROM read_parquet('{local}') WHERE id = 150000"));
        Assert.Equal((byte[])batches[1].Columns[1].GetValue(30_000)!, row[0]);
        var groups = await ParquetWriterTests.QueryAsync($"SELECT min(data_page_offset) FROM parquet_metadata('{local}') GROUP BY row_group_id ORDER BY row_group_id");
        Assert.Equal(groups.Select(g => Convert.ToInt64(g[0], System.Globalization.CultureInfo.InvariantCulture)), file.SplitOffsets!);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
