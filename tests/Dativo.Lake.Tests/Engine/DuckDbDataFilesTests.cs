using Dativo.Core.Errors;
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

    private static readonly IcebergSchema Awkward = new(0,
    [
        new NestedField(1, "id", true, IcebergType.Long),
        new NestedField(2, "my col", false, IcebergType.String),
        new NestedField(3, "amount", true, IcebergType.Decimal(20, 2)),
        new NestedField(4, "a.b", false, IcebergType.Int),
        new NestedField(5, "day", true, IcebergType.Date),
    ]);

    private const string AwkwardRows = """
        SELECT i AS id, CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || i END AS "my col", CAST(i / 100.0 AS DECIMAL(20,2)) AS amount, (i % 7)::INT AS "a.b"
        FROM range(200000) t(i)
        """;

    private static async Task<(LakeWarehouse Lake, IcebergTable Table)> TableAsync(string root, string name, IcebergSchema schema)
    {
        var lake = LakeWarehouse.Open(Path.Combine(root, "wh"));
        var table = await IcebergTables.CreateAsync(lake.Catalog, lake.Store, new TableIdentifier("qa", name), schema,
            new CreateTableOptions { PartitionSpec = new PartitionSpecBuilder(schema).Identity("day").Build(), Time = lake.Time }, CancellationToken.None);
        return (lake, table);
    }

    private static readonly Dictionary<string, object?> Day = new() { ["day"] = new DateOnly(2025, 5, 1) };

    [Fact]
    public async Task Required_columns_are_REQUIRED_names_are_javas_and_the_footer_has_the_iceberg_schema()
    {
        using var tmp = new TempDir();
        var (lake, table) = await TableAsync(tmp.Path, "awkward", Awkward);
        await using var engine = await DuckDbEngine.OpenAsync(threads: 2);
        var files = await DuckDbDataFiles.TryWriteAsync(engine, table, AwkwardRows, Day, new WriteOptions { TargetFileSizeBytes = 1 << 20 }, filePerThread: false, CancellationToken.None);

        Assert.NotNull(files);
        Assert.Equal(200_000, files.Sum(f => f.RecordCount));
        Assert.Equal(40_000, files.Sum(f => f.NullValueCounts![2]));
        foreach (var f in files)
        {
            var path = new Uri(f.FilePath).LocalPath;
            using var reader = new ParquetSharp.ParquetFileReader(path);
            var s = reader.FileMetaData.Schema;
            var nodes = Enumerable.Range(0, s.NumColumns).Select(i => s.Column(i)).ToList();
            Assert.Equal(["id", "my_x20col", "amount", "a_x2Eb", "day"], nodes.Select(c => c.SchemaNode.Name));
            Assert.Equal([1, 2, 3, 4, 5], nodes.Select(c => c.SchemaNode.FieldId));
            Assert.Equal([ParquetSharp.Repetition.Required, ParquetSharp.Repetition.Optional, ParquetSharp.Repetition.Required,
                ParquetSharp.Repetition.Optional, ParquetSharp.Repetition.Required], nodes.Select(c => c.SchemaNode.Repetition));
            // decimal(20,2) in the fewest bytes that hold 20 digits, as the spec asks (DuckDB stores 16)
            Assert.Equal((ParquetSharp.PhysicalType.FixedLenByteArray, 9), (nodes[2].PhysicalType, nodes[2].TypeLength));
            Assert.Equal(TypeJson.SchemaToJson(Awkward).ToJsonString(), reader.FileMetaData.KeyValueMetadata["iceberg.schema"]);
            Assert.Equal(new FileInfo(path).Length, f.FileSizeInBytes);
            var sizes = new long[s.NumColumns];
            for (var g = 0; g < reader.FileMetaData.NumRowGroups; g++)
            {
                using var rg = reader.RowGroup(g);
                for (var i = 0; i < s.NumColumns; i++) sizes[i] += rg.MetaData.GetColumnChunkMetaData(i).TotalCompressedSize;
            }
            Assert.Equal(sizes, Enumerable.Range(1, 5).Select(id => f.ColumnSizes![id]));
            Assert.Equal(4L, f.SplitOffsets![0]);
        }
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(new Uri(files[0].FilePath).LocalPath)!)); // DuckDB's own files are gone

        await table.AppendFilesAsync(files);
        var reopened = await lake.OpenTableAsync(new TableIdentifier("qa", "awkward"), CancellationToken.None);
        Assert.Equal(200_000, await reopened.NewScan().CountAsync());
        var row = Assert.Single((await reopened.NewScan().Filter(Dativo.Lake.Iceberg.Scan.Expr.Eq("my col", "v12346")).ReadAsync()).Rows);
        Assert.Equal([12346L, "v12346", 123.46m, 12346 % 7, new DateOnly(2025, 5, 1)], row.Select(v => v is DateTime d ? DateOnly.FromDateTime(d) : v));
    }

    [Fact]
    public async Task Without_required_columns_duckdbs_own_file_is_kept_with_the_iceberg_schema_in_its_footer()
    {
        using var tmp = new TempDir();
        var schema = new IcebergSchema(0, [new NestedField(1, "my col", false, IcebergType.String), new NestedField(2, "day", false, IcebergType.Date)]);
        var (_, table) = await TableAsync(tmp.Path, "optional", schema);
        await using var engine = await DuckDbEngine.OpenAsync(threads: 2);
        var files = await DuckDbDataFiles.TryWriteAsync(engine, table, "SELECT 'v' || i AS \"my col\" FROM range(1000) t(i)", Day, new WriteOptions(), filePerThread: false, CancellationToken.None);

        using var reader = new ParquetSharp.ParquetFileReader(new Uri(Assert.Single(files!).FilePath).LocalPath);
        Assert.StartsWith("DuckDB", reader.FileMetaData.CreatedBy, StringComparison.Ordinal);
        Assert.Equal("my_x20col", reader.FileMetaData.Schema.Column(0).SchemaNode.Name);
        Assert.Equal(TypeJson.SchemaToJson(schema).ToJsonString(), reader.FileMetaData.KeyValueMetadata["iceberg.schema"]);
        await table.AppendFilesAsync(files!);
        Assert.Equal(1, await table.NewScan().Filter(Dativo.Lake.Iceberg.Scan.Expr.Eq("my col", "v7")).CountAsync());
    }

    [Fact]
    public async Task A_null_in_a_required_column_fails_the_write_and_leaves_no_file()
    {
        using var tmp = new TempDir();
        var (_, table) = await TableAsync(tmp.Path, "nulls", Awkward);
        await using var engine = await DuckDbEngine.OpenAsync(threads: 2);
        var query = AwkwardRows.Replace("CAST(i / 100.0 AS DECIMAL(20,2))", "CASE WHEN i = 777 THEN NULL ELSE CAST(i / 100.0 AS DECIMAL(20,2)) END", StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<DativoException>(() => DuckDbDataFiles.TryWriteAsync(engine, table, query, Day, new WriteOptions(), filePerThread: false, CancellationToken.None));
        Assert.Contains("column 'amount' is required", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(tmp.Path, "wh", "qa", "nulls"), "*.parquet", SearchOption.AllDirectories));
    }

    [SkippableFact]
    public async Task Icebird_reads_duckdb_written_files_by_their_java_names()
    {
        var tools = Dativo.Lake.Tests.Iceberg.NodeTools.With("icebird");
        Skip.If(tools is null, "npm/icebird not available (tests/tools)");
        using var tmp = new TempDir();
        var (_, table) = await TableAsync(tmp.Path, "icebird", Awkward);
        await using var engine = await DuckDbEngine.OpenAsync(threads: 2);
        await table.AppendFilesAsync((await DuckDbDataFiles.TryWriteAsync(engine, table, AwkwardRows + " WHERE i < 10", Day, new WriteOptions(), filePerThread: false, CancellationToken.None))!);

        var (code, output, err) = Dativo.Lake.Tests.Iceberg.NodeTools.Run("node", tools!, "read-iceberg.mjs", table.IO.LocalPath(table.Location)!);
        Assert.True(code == 0, err);
        var rows = System.Text.Json.Nodes.JsonNode.Parse(output)!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(10, rows.Count);
        var row = rows.Single(r => r["id"]!.ToString() == "3");
        Assert.Equal("v3", row["my col"]!.GetValue<string>());
        Assert.Equal(3, row["a.b"]!.GetValue<int>());
        Assert.Equal(0.03, row["amount"]!.GetValue<double>(), 9);
    }
}
