using System.Globalization;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage.Local;
using Dativo.Testing;
using DuckDB.NET.Data;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>
/// The Parquet data file writer (parquet-cpp through ParquetSharp) read back by DuckDB: every type with nulls, exact
/// values, the Parquet schema (field ids, logical types), footer statistics, row groups and split offsets, codecs.
/// </summary>
public sealed class ParquetWriterTests : IDisposable
{
    private readonly TempDir _dir = new("dativo-parquet-");
    private readonly LocalObjectStore _store;

    public ParquetWriterTests() => _store = new LocalObjectStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    internal static readonly IcebergSchema AllTypes = new(0,
    [
        NestedField.Require(1, "id", IcebergType.Long),
        NestedField.Optional(2, "b", IcebergType.Boolean),
        NestedField.Optional(3, "i", IcebergType.Int),
        NestedField.Require(4, "l", IcebergType.Long),
        NestedField.Optional(5, "f", IcebergType.Float),
        NestedField.Optional(6, "d", IcebergType.Double),
        NestedField.Optional(7, "dec9", IcebergType.Decimal(9, 2)),
        NestedField.Optional(8, "dec18", IcebergType.Decimal(18, 4)),
        NestedField.Optional(9, "dec38", IcebergType.Decimal(38, 10)),
        NestedField.Optional(10, "dt", IcebergType.Date),
        NestedField.Optional(11, "tm", IcebergType.Time),
        NestedField.Optional(12, "ts", IcebergType.Timestamp),
        NestedField.Optional(13, "tstz", IcebergType.TimestampTz),
        NestedField.Optional(14, "s", IcebergType.String),
        NestedField.Optional(15, "u", IcebergType.Uuid),
        NestedField.Optional(16, "fx", IcebergType.Fixed(3)),
        NestedField.Optional(17, "bin", IcebergType.Binary),
        NestedField.Require(18, "req_s", IcebergType.String),
    ]);

    internal static readonly Guid Uuid = Guid.Parse("f79c3e09-677c-4bbd-a479-3f349cb785e7");

    /// <summary>Three rows: ordinary values, extremes, and nulls in every optional column.</summary>
    internal static RecordBatch AllTypesBatch() => new(AllTypes,
    [
        new long[] { 1, 2, 3 },
        new bool?[] { true, false, null },
        new[] { 7, int.MinValue, 0 },                               // optional column given without nulls
        new long?[] { long.MaxValue, long.MinValue, 0 },            // required column given as nullable, no nulls
        new float?[] { 1.5f, float.NaN, null },
        new double?[] { -0.0, 2.25, null },
        new decimal?[] { 1234567.89m, -9999999.99m, null },
        new decimal?[] { 12345678901234.5678m, -0.0001m, null },
        new decimal?[] { -12345678901234567.8901234567m, 1.23456789015m, null },  // the second is rounded half-even to 10 places
        new DateOnly?[] { new(2024, 2, 29), new(1969, 12, 31), null },
        new TimeOnly?[] { new(22, 31, 8), new TimeOnly(0, 0, 0).Add(TimeSpan.FromTicks(10)), null },
        new DateTime?[] { new DateTime(2017, 11, 16, 22, 31, 8, DateTimeKind.Utc).AddTicks(10), new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc), null },
        new DateTime?[] { new DateTime(2017, 11, 16, 22, 31, 8, DateTimeKind.Utc), new DateTime(2038, 1, 19, 3, 14, 8, DateTimeKind.Utc), null },
        new[] { "iceberg", "héllo 🧊", null },
        new Guid?[] { Uuid, Guid.Empty, null },
        new[] { new byte[] { 1, 2, 3 }, new byte[] { 0xff, 0, 0x80 }, null },
        new[] { new byte[] { 0, 1, 2, 3 }, Array.Empty<byte>(), null },
        new[] { "a", "", "c" },
    ]);

    private async Task<(string Path, DataFile File)> WriteAsync(IcebergSchema schema, WriteOptions options, params RecordBatch[] rowGroups)
    {
        var key = $"f-{Guid.NewGuid():N}.parquet";
        await using var w = await ParquetFileWriter.CreateAsync(_store, key, schema, options, CancellationToken.None);
        foreach (var rg in rowGroups) await w.WriteRowGroupAsync(rg, CancellationToken.None);
        var file = await w.CompleteAsync(key, CancellationToken.None);
        return (Path.Combine(_dir.Path, key), file);
    }

    internal static async Task<List<object?[]>> QueryAsync(string sql)
    {
        await using var c = new DuckDBConnection("Data Source=:memory:");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await r.ReadAsync())
        {
            var row = new object?[r.FieldCount];
            // a BLOB comes as a stream over DuckDB's vector, valid only until the reader moves on
            for (var i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i) is Stream st ? ReadAll(st) : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    [Fact]
    public async Task Every_type_with_nulls_reads_back_exactly_in_DuckDB()
    {
        var (path, file) = await WriteAsync(AllTypes, new WriteOptions(), AllTypesBatch());
        // .NET's NaN has the sign bit set, which DuckDB prints as "-nan": any NaN will do
        var cols = string.Join(", ", AllTypes.Columns.Skip(1).Select(c => c.Name == "f" ? "CASE WHEN isnan(f) THEN 'NaN' ELSE f::VARCHAR END" : $"{c.Name}::VARCHAR"));
        var rows = await QueryAsync($"SELECT {cols} FROM read_parquet('{path}') ORDER BY id");
        string?[][] expected =
        [
            ["true", "7", "9223372036854775807", "1.5", "-0.0", "1234567.89", "12345678901234.5678", "-12345678901234567.8901234567",
             "2024-02-29", "22:31:08", "2017-11-16 22:31:08.000001", "2017-11-16 22:31:08+00", "iceberg", "f79c3e09-677c-4bbd-a479-3f349cb785e7",
             @"\x01\x02\x03", @"\x00\x01\x02\x03", "a"],
            ["false", "-2147483648", "-9223372036854775808", "NaN", "2.25", "-9999999.99", "-0.0001", "1.2345678902",
             "1969-12-31", "00:00:00.000001", "1900-01-01 00:00:00", "2038-01-19 03:14:08+00", "héllo 🧊", "00000000-0000-0000-0000-000000000000",
             @"\xFF\x00\x80", "", ""],
            [null, "0", "0", null, null, null, null, null, null, null, null, null, null, null, null, null, "c"],
        ];
        Assert.Equal(expected.Length, rows.Count);
        for (var r = 0; r < expected.Length; r++)
            Assert.Equal(expected[r], rows[r].Select(v => (string?)v).ToArray());
        Assert.Equal(3, file.RecordCount);
        Assert.Equal(new FileInfo(path).Length, file.FileSizeInBytes);
        Assert.Equal(1, file.NullValueCounts![2]);
        Assert.Equal(1, file.NanValueCounts![5]);
    }

    [Fact]
    public async Task The_parquet_schema_carries_field_ids_logical_types_and_repetition()
    {
        var (path, _) = await WriteAsync(AllTypes, new WriteOptions(), AllTypesBatch());
        var rows = await QueryAsync($"""
            SELECT name, type, type_length::VARCHAR, repetition_type, converted_type, precision, scale, field_id, logical_type::VARCHAR
            FROM parquet_schema('{path}') WHERE num_children IS NULL OR num_children = 0
            """);
        var byName = rows.ToDictionary(r => (string)r[0]!);
        Assert.Equal(AllTypes.Columns.Select(c => c.Name), rows.Select(r => (string)r[0]!));
        foreach (var c in AllTypes.Columns)
        {
            Assert.Equal(c.Id, Convert.ToInt32(byName[c.Name][7], CultureInfo.InvariantCulture));
            Assert.Equal(c.Required ? "REQUIRED" : "OPTIONAL", byName[c.Name][3]);
        }
        string Physical(string n) => (string)byName[n][1]!;
        Assert.Equal("BOOLEAN", Physical("b"));
        Assert.Equal("INT32", Physical("i"));
        Assert.Equal("INT64", Physical("l"));
        Assert.Equal("FLOAT", Physical("f"));
        Assert.Equal("DOUBLE", Physical("d"));
        Assert.Equal(("INT32", "DECIMAL", 9, 2), (Physical("dec9"), byName["dec9"][4], Convert.ToInt32(byName["dec9"][5], CultureInfo.InvariantCulture), Convert.ToInt32(byName["dec9"][6], CultureInfo.InvariantCulture)));
        Assert.Equal(("INT64", "DECIMAL"), (Physical("dec18"), byName["dec18"][4]));
        // decimal(38, _) in the fewest bytes that hold 38 digits
        Assert.Equal(("FIXED_LEN_BYTE_ARRAY", "16", 38, 10), (Physical("dec38"), byName["dec38"][2], Convert.ToInt32(byName["dec38"][5], CultureInfo.InvariantCulture), Convert.ToInt32(byName["dec38"][6], CultureInfo.InvariantCulture)));
        Assert.Equal(("INT32", "DATE"), (Physical("dt"), byName["dt"][4]));
        Assert.Equal("INT64", Physical("tm"));
        Assert.Contains("isAdjustedToUTC=0", (string)byName["tm"][8]!);
        Assert.Contains("MICROS=MicroSeconds", (string)byName["tm"][8]!);
        Assert.StartsWith("TimestampType(isAdjustedToUTC=0", (string)byName["ts"][8]!);
        Assert.Contains("MICROS=MicroSeconds", (string)byName["ts"][8]!);
        Assert.StartsWith("TimestampType(isAdjustedToUTC=1", (string)byName["tstz"][8]!);
        Assert.Contains("MICROS=MicroSeconds", (string)byName["tstz"][8]!);
        Assert.Equal(("BYTE_ARRAY", "UTF8"), (Physical("s"), byName["s"][4]));
        Assert.Equal(("FIXED_LEN_BYTE_ARRAY", "16"), (Physical("u"), byName["u"][2]));
        Assert.StartsWith("UUIDType", (string)byName["u"][8]!);
        Assert.Equal(("FIXED_LEN_BYTE_ARRAY", "3"), (Physical("fx"), byName["fx"][2]));
        Assert.Equal(("BYTE_ARRAY", null), (Physical("bin"), byName["bin"][4]));
        var meta = await QueryAsync($"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{path}') WHERE decode(key) = 'iceberg.schema'");
        Assert.Equal(TypeJson.SchemaToJson(AllTypes).ToJsonString(), Assert.Single(meta)[1]);
    }

    [Fact]
    public async Task Footer_statistics_are_the_real_minimum_and_maximum()
    {
        var (path, _) = await WriteAsync(AllTypes, new WriteOptions(), AllTypesBatch());
        foreach (var col in new[] { "ts", "tstz", "u", "dec9", "dec18", "dec38", "l", "dt", "tm", "s", "d" })
        {
            var stats = Assert.Single(await QueryAsync($"SELECT stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata('{path}') WHERE path_in_schema = '{col}'"));
            var real = Assert.Single(await QueryAsync($"SELECT min({col})::VARCHAR, max({col})::VARCHAR, count(*) - count({col}) FROM read_parquet('{path}')"));
            Assert.True(real[0]!.Equals(stats[0]) && real[1]!.Equals(stats[1]), $"{col}: footer min/max {stats[0]}/{stats[1]}, data {real[0]}/{real[1]}");
            Assert.Equal(Convert.ToInt64(real[2], CultureInfo.InvariantCulture), Convert.ToInt64(stats[2], CultureInfo.InvariantCulture));
        }
        // engines prune row groups with these statistics: a predicate between the two values must still find the row
        var later = await QueryAsync($"SELECT id FROM read_parquet('{path}') WHERE ts > TIMESTAMP '2017-11-16 22:31:08'");
        Assert.Equal(1L, Assert.Single(later)[0]);
        var uuid = await QueryAsync($"SELECT id FROM read_parquet('{path}') WHERE u > '00000000-0000-0000-0000-000000000001'::UUID");
        Assert.Equal(1L, Assert.Single(uuid)[0]);
    }

    [Fact]
    public async Task Each_call_writes_one_row_group_and_split_offsets_point_at_them()
    {
        var schema = new IcebergSchema(0, [NestedField.Require(1, "id", IcebergType.Long), NestedField.Optional(2, "s", IcebergType.String)]);
        RecordBatch Rows(int first, int count) => new(schema,
        [
            Enumerable.Range(first, count).Select(i => (long)i).ToArray(),
            Enumerable.Range(first, count).Select(i => i % 7 == 0 ? null : "v" + i.ToString(CultureInfo.InvariantCulture)).ToArray(),
        ]);
        var (path, file) = await WriteAsync(schema, new WriteOptions(), Rows(0, 1000), Rows(1000, 70_000), Rows(71_000, 5));
        var groups = await QueryAsync($"""
            SELECT row_group_id, any_value(row_group_num_rows), min(coalesce(least(dictionary_page_offset, data_page_offset), data_page_offset))
            FROM parquet_metadata('{path}') GROUP BY row_group_id ORDER BY row_group_id
            """);
        Assert.Equal([1000L, 70_000L, 5L], groups.Select(g => Convert.ToInt64(g[1], CultureInfo.InvariantCulture)));
        Assert.Equal(groups.Select(g => Convert.ToInt64(g[2], CultureInfo.InvariantCulture)), file.SplitOffsets!);
        Assert.Equal(4, file.SplitOffsets![0]);
        Assert.Equal(71_005, file.RecordCount);
        var check = Assert.Single(await QueryAsync($"SELECT count(*), count(s), sum(id) FROM read_parquet('{path}')"));
        Assert.Equal((71_005L, 71_005L - 10_144L), (Convert.ToInt64(check[0], CultureInfo.InvariantCulture), Convert.ToInt64(check[1], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Long_and_repeated_values_cross_the_writer_buffers()
    {
        var schema = new IcebergSchema(0,
        [
            NestedField.Require(1, "id", IcebergType.Long),
            NestedField.Optional(2, "s", IcebergType.String),
            NestedField.Optional(3, "bin", IcebergType.Binary),
            NestedField.Optional(4, "u", IcebergType.Uuid),
            NestedField.Optional(5, "dec", IcebergType.Decimal(30, 3)),
        ]);
        const int n = 150_000;
        var big = new string('x', 3_000_000);
        var shared = "shared-value";
        var ids = new long[n];
        var s = new string?[n];
        var bin = new byte[]?[n];
        var u = new Guid[n];
        var dec = new decimal[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = i;
            s[i] = i == 100_000 ? big : i % 3 == 0 ? shared : i % 11 == 0 ? null : "row-" + i.ToString(CultureInfo.InvariantCulture);
            bin[i] = i % 5 == 0 ? null : BitConverter.GetBytes(i);
            u[i] = new Guid(i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            dec[i] = (i - 75_000) * 1.001m;
        }
        var (path, _) = await WriteAsync(schema, new WriteOptions(), new RecordBatch(schema, [ids, s, bin, u, dec]));
        var agg = Assert.Single(await QueryAsync($"""
            SELECT count(s), sum(strlen(s))::BIGINT, count(*) FILTER (WHERE s = 'shared-value'), count(bin), sum(dec)::VARCHAR,
                   count(DISTINCT u), max(strlen(s))
            FROM read_parquet('{path}')
            """));
        var expectedLen = s.Where(x => x is not null).Sum(x => (long)x!.Length);
        Assert.Equal(s.Count(x => x is not null), Convert.ToInt64(agg[0], CultureInfo.InvariantCulture));
        Assert.Equal(expectedLen, Convert.ToInt64(agg[1], CultureInfo.InvariantCulture));
        Assert.Equal(s.Count(x => ReferenceEquals(x, shared)), Convert.ToInt64(agg[2], CultureInfo.InvariantCulture));
        Assert.Equal(bin.Count(x => x is not null), Convert.ToInt64(agg[3], CultureInfo.InvariantCulture));
        Assert.Equal(dec.Sum().ToString("F3", CultureInfo.InvariantCulture), agg[4]);
        Assert.Equal(n, Convert.ToInt64(agg[5], CultureInfo.InvariantCulture));
        Assert.Equal(3_000_000L, Convert.ToInt64(agg[6], CultureInfo.InvariantCulture));
        var row = Assert.Single(await QueryAsync($"SELECT s, bin, u::VARCHAR FROM read_parquet('{path}') WHERE id = 70001"));
        Assert.Equal("row-70001", row[0]);
        Assert.Equal(BitConverter.GetBytes(70001), row[1]);
        Assert.Equal(u[70001].ToString(), row[2]);
    }

    [Theory]
    [InlineData("zstd", "ZSTD")]
    [InlineData("snappy", "SNAPPY")]
    [InlineData("gzip", "GZIP")]
    [InlineData("lz4", "LZ4_RAW")]
    [InlineData("brotli", "BROTLI")]
    [InlineData("uncompressed", "UNCOMPRESSED")]
    public async Task Every_codec_of_the_table_properties_writes_a_readable_file(string codec, string parquetName)
    {
        var options = WriteOptions.FromProperties(new Dictionary<string, string> { ["write.parquet.compression-codec"] = codec });
        var (path, _) = await WriteAsync(AllTypes, options, AllTypesBatch());
        var codecs = await QueryAsync($"SELECT DISTINCT compression::VARCHAR FROM parquet_metadata('{path}')");
        Assert.Equal(parquetName, Assert.Single(codecs)[0]);
        var row = Assert.Single(await QueryAsync($"SELECT s, dec38::VARCHAR FROM read_parquet('{path}') WHERE id = 1"));
        Assert.Equal(("iceberg", "-12345678901234567.8901234567"), ((string?)row[0], (string?)row[1]));
    }

    [Fact]
    public async Task Values_that_do_not_fit_their_column_are_refused()
    {
        var dec = new IcebergSchema(0, [NestedField.Optional(1, "d", IcebergType.Decimal(5, 2))]);
        var e = await Assert.ThrowsAsync<Dativo.Core.Errors.DativoException>(() => WriteAsync(dec, new WriteOptions(), new RecordBatch(dec, [new decimal?[] { 1000m }])));
        Assert.Contains("decimal(5, 2)", e.Message);
        var fx = new IcebergSchema(0, [NestedField.Optional(1, "f", IcebergType.Fixed(4))]);
        e = await Assert.ThrowsAsync<Dativo.Core.Errors.DativoException>(() => WriteAsync(fx, new WriteOptions(), new RecordBatch(fx, [new[] { new byte[] { 1, 2 } }])));
        Assert.Contains("fixed[4]", e.Message);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.parquet"));
    }

    private static byte[] ReadAll(Stream s)
    {
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
