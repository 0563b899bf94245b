using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Engine;

/// <summary>DuckDB writing data files of an Iceberg table: field ids, constant partition, per-thread files, footer metrics.</summary>
public class DuckDbDataFilesTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Files_carry_exact_counts_bounds_and_split_offsets_and_commit_as_one_append(bool filePerThread)
    {
        using var tmp = new TempDir();
        var lake = LakeWarehouse.Open(Path.Combine(tmp.Path, "wh"));
        var schema = new IcebergSchema(0,
        [
            new NestedField(1, "id", true, IcebergType.Long),
            new NestedField(2, "name", false, IcebergType.String),
            new NestedField(3, "amount", false, IcebergType.Decimal(12, 2)),
            new NestedField(4, "ts", false, IcebergType.Timestamp),
            new NestedField(5, "day", true, IcebergType.Date),
        ]);
        var id = new TableIdentifier("qa", "duck");
        var table = await IcebergTables.CreateAsync(lake.Catalog, lake.Store, id, schema,
            new CreateTableOptions { PartitionSpec = new PartitionSpecBuilder(schema).Identity("day").Build(), Time = lake.Time }, CancellationToken.None);
        await using var engine = await DuckDbEngine.OpenAsync(threads: 2);
        const int rows = 400_000;
        var query = $"""
            SELECT i AS id, CASE WHEN i % 10 = 0 THEN NULL ELSE 'name-' || (i % 1000) END AS name,
                   CAST(i / 100.0 AS DECIMAL(12,2)) AS amount, TIMESTAMP '2024-01-01' + to_seconds(i) AS ts
            FROM range({rows}) t(i)
            """;
        var day = new DateOnly(2025, 5, 1);
        var files = await DuckDbDataFiles.TryWriteAsync(engine, table, query, new Dictionary<string, object?> { ["day"] = day }, new WriteOptions { TargetFileSizeBytes = 1 << 20 }, filePerThread, CancellationToken.None);

        Assert.NotNull(files);
        Assert.True(files.Count >= 2, $"{files.Count} files: 1 MiB files were asked for");
        Assert.Equal(rows, files.Sum(f => f.RecordCount));
        Assert.Equal(rows / 10, files.Sum(f => f.NullValueCounts![2]));
        Assert.All(files, f => Assert.Equal([day.DayNumber - Conversions.Epoch.DayNumber], f.Partition));
        Assert.All(files, f => Assert.NotEmpty(f.SplitOffsets!));
        // bounds are the min/max of what each file holds
        await using var check = await DuckDbEngine.OpenAsync();
        foreach (var f in files)
        {
            var path = new Uri(f.FilePath).LocalPath;
            Assert.Contains("/data/day=2025-05-01/", path, StringComparison.Ordinal);
            var actual = await check.QueryAsync($"SELECT min(id), max(id), min(name), max(name), min(amount), max(amount), min(ts), max(ts), count(*) FROM read_parquet('{path}')");
            var r = actual.Rows[0];
            Assert.Equal(f.RecordCount, Convert.ToInt64(r[8], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(r[0], Conversions.FromBytes(IcebergType.Long, f.LowerBounds![1]));
            Assert.Equal(r[1], Conversions.FromBytes(IcebergType.Long, f.UpperBounds![1]));
            Assert.Equal(r[2], Conversions.FromBytes(IcebergType.String, f.LowerBounds[2]));
            Assert.Equal(r[3], Conversions.FromBytes(IcebergType.String, f.UpperBounds[2]));
            Assert.Equal(r[4], Conversions.FromBytes(IcebergType.Decimal(12, 2), f.LowerBounds[3]));
            Assert.Equal(r[5], Conversions.FromBytes(IcebergType.Decimal(12, 2), f.UpperBounds[3]));
            Assert.Equal(Conversions.MicrosFromEpoch(DateTime.SpecifyKind((DateTime)r[6]!, DateTimeKind.Utc)), Conversions.FromBytes(IcebergType.Timestamp, f.LowerBounds[4]));
            Assert.Equal(Conversions.MicrosFromEpoch(DateTime.SpecifyKind((DateTime)r[7]!, DateTimeKind.Utc)), Conversions.FromBytes(IcebergType.Timestamp, f.UpperBounds[4]));
            var fieldIds = await check.QueryAsync($"SELECT name, field_id FROM parquet_schema('{path}') WHERE field_id IS NOT NULL ORDER BY field_id");
            Assert.Equal(["id", "name", "amount", "ts", "day"], fieldIds.Rows.Select(x => (string)x[0]!));
        }

        await table.AppendFilesAsync(files);
        var reopened = await lake.OpenTableAsync(id, CancellationToken.None);
        Assert.Equal(rows, await reopened.NewScan().CountAsync());
        Assert.Equal(1, await reopened.NewScan().Filter(Dativo.Lake.Iceberg.Scan.Expr.Eq("id", 123_456L)).CountAsync());
    }

    [Theory]
    [InlineData("zstd", "ZSTD")]
    [InlineData("snappy", "SNAPPY")]
    [InlineData("gzip", "GZIP")]
    [InlineData("uncompressed", "UNCOMPRESSED")]
    public async Task Files_use_the_write_options_codec_and_plain_encoding(string codec, string expected)
    {
        using var tmp = new TempDir();
        var lake = LakeWarehouse.Open(Path.Combine(tmp.Path, "wh"));
        var schema = new IcebergSchema(0, [new NestedField(1, "id", true, IcebergType.Long), new NestedField(2, "status", false, IcebergType.String)]);
        var table = await IcebergTables.CreateAsync(lake.Catalog, lake.Store, new TableIdentifier("qa", "codec"), schema,
            new CreateTableOptions { Time = lake.Time }, CancellationToken.None);
        await using var engine = await DuckDbEngine.OpenAsync(threads: 2);
        var options = WriteOptions.FromProperties(new Dictionary<string, string> { ["write.parquet.compression-codec"] = codec });
        var files = await DuckDbDataFiles.TryWriteAsync(engine, table, "SELECT i AS id, 'status-' || (i % 3) AS status FROM range(50000) t(i)",
            new Dictionary<string, object?>(), options, filePerThread: false, CancellationToken.None);

        var file = Assert.Single(files!);
        var meta = await engine.QueryAsync($"SELECT DISTINCT compression, encodings FROM parquet_metadata('{new Uri(file.FilePath).LocalPath}')");
        Assert.All(meta.Rows, r => Assert.Equal(expected, r[0]));
        // a low-cardinality text column stays plain: no dictionary pages (the lake's own writer writes none either)
        Assert.All(meta.Rows, r => Assert.DoesNotContain("DICTIONARY", (string)r[1]!, StringComparison.Ordinal));
    }
}
