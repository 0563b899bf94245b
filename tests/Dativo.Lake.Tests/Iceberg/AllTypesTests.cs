using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Tests.Iceberg;

public sealed class AllTypesTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static readonly IcebergSchema Schema = new(0,
    [
        NestedField.Require(1, "b", IcebergType.Boolean),
        NestedField.Optional(2, "i", IcebergType.Int),
        NestedField.Optional(3, "l", IcebergType.Long),
        NestedField.Optional(4, "f", IcebergType.Float),
        NestedField.Optional(5, "d", IcebergType.Double),
        NestedField.Optional(6, "dec", IcebergType.Decimal(20, 4)),
        NestedField.Optional(7, "dt", IcebergType.Date),
        NestedField.Optional(8, "tm", IcebergType.Time),
        NestedField.Optional(9, "ts", IcebergType.Timestamp),
        NestedField.Optional(10, "tstz", IcebergType.TimestampTz),
        NestedField.Optional(11, "s", IcebergType.String),
        NestedField.Optional(12, "u", IcebergType.Uuid),
        NestedField.Optional(13, "bin", IcebergType.Binary),
    ]);

    [Fact]
    public async Task Every_primitive_type_round_trips_with_bounds()
    {
        await _fx.Catalog.CreateNamespaceAsync("db");
        var t = await IcebergTables.CreateAsync(_fx.Catalog, _fx.Store, new TableIdentifier("db", "types"), Schema,
            new CreateTableOptions { PartitionSpec = new PartitionSpecBuilder(Schema).Identity("dt").Truncate("s", 2).Bucket("u", 3).Build() });
        var u1 = Guid.Parse("f79c3e09-677c-4bbd-a479-3f349cb785e7");
        var batch = new RecordBatch(Schema,
        [
            new[] { true, false, true },
            new[] { 1, 2, 3 },                                    // optional column given without nulls
            new long?[] { -5, null, 5 },
            new float?[] { 1.5f, float.NaN, null },
            new double?[] { -0.0, 2.25, null },
            new decimal?[] { 12345678901234.5678m, -1m, null },
            new DateOnly?[] { new(2024, 2, 29), new(1969, 12, 31), null },
            new TimeOnly?[] { new(22, 31, 8), new(0, 0, 0, 1), null },
            new DateTime?[] { new DateTime(2017, 11, 16, 22, 31, 8, DateTimeKind.Utc), null, null },
            new DateTime?[] { new DateTime(2017, 11, 16, 22, 31, 8, DateTimeKind.Utc).AddTicks(10), null, null },
            new[] { "iceberg", "ice", null },
            new Guid?[] { u1, null, Guid.Empty },
            new[] { new byte[] { 0, 1, 2, 3 }, null, Array.Empty<byte>() },
        ]);
        await t.AppendAsync(batch);
        var rows = (await t.NewScan().ReadAsync()).Rows;
        Assert.Equal(3, rows.Count);
        var first = rows.Single(r => (int)r[1]! == 1);
        Assert.Equal(true, first[0]);
        Assert.Equal(-5L, first[2]);
        Assert.Equal(1.5f, first[3]);
        Assert.Equal(12345678901234.5678m, first[5]);
        Assert.Equal(new DateOnly(2024, 2, 29), first[6]);
        Assert.Equal(new TimeOnly(22, 31, 8), first[7] is TimeSpan span ? TimeOnly.FromTimeSpan(span) : first[7]);
        Assert.Equal(new DateTime(2017, 11, 16, 22, 31, 8), Convert.ToDateTime(first[8], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("iceberg", first[10]);
        Assert.Equal(u1, first[11]);
        Assert.Equal(new byte[] { 0, 1, 2, 3 }, first[12] is Stream st ? ReadAll(st) : first[12]);
        var second = rows.Single(r => (int)r[1]! == 2);
        Assert.Equal(new DateOnly(1969, 12, 31), second[6]);
        Assert.True(float.IsNaN((float)second[3]!));

        var files = await t.NewScan().PlanFilesAsync();
        var all = files.Select(f => f.File).ToList();
        Assert.Equal(3, all.Count);
        var f2 = all.Single(f => f.RecordCount == 1 && (int?)f.Partition[0] == -1);
        Assert.Equal(1, f2.NanValueCounts![4]);
        Assert.Equal("ic", f2.Partition[1]);
        var f1 = all.Single(f => (int?)f.Partition[0] == new DateOnly(2024, 2, 29).DayNumber - new DateOnly(1970, 1, 1).DayNumber);
        Assert.Equal(12345678901234.5678m, Conversions.FromBytes(IcebergType.Decimal(20, 4), f1.LowerBounds![6]));
        Assert.Equal(u1, Conversions.FromBytes(IcebergType.Uuid, f1.UpperBounds![12]));
        Assert.Equal((22L * 3600 + 31 * 60 + 8) * 1_000_000, Conversions.FromBytes(IcebergType.Time, f1.LowerBounds[8]));
        Assert.Equal(-0.0, (double)Conversions.FromBytes(IcebergType.Double, f1.LowerBounds[5]));
        Assert.True(double.IsNegative((double)Conversions.FromBytes(IcebergType.Double, f1.LowerBounds[5])));

        // pruning on uuid bucket / truncate projections
        Assert.Single(await t.NewScan().Filter(Expr.Eq("u", u1)).PlanFilesAsync());
        Assert.Single((await t.NewScan().Filter(Expr.Eq("s", "iceberg")).ReadAsync()).Rows);
        Assert.Single(await t.NewScan().Filter(Expr.Eq("dec", -1m)).PlanFilesAsync());
        var decSql = await t.NewScan().Filter(Expr.Eq("dec", -1m)).ToSqlAsync();
        Assert.True((await t.NewScan().Filter(Expr.Eq("dec", -1m)).ReadAsync()).Rows.Count == 1, decSql);
        var tsv = first[9] is DateTimeOffset dto ? dto.UtcTicks : Convert.ToDateTime(first[9], System.Globalization.CultureInfo.InvariantCulture).Ticks;
        Assert.Equal(new DateTime(2017, 11, 16, 22, 31, 8, DateTimeKind.Utc).AddTicks(10).Ticks, tsv);
        var tsScan = t.NewScan().Filter(Expr.Gt("tstz", new DateTime(2017, 11, 16, 22, 31, 8, DateTimeKind.Utc)));
        Assert.Single(await tsScan.PlanFilesAsync());
        Assert.True((await tsScan.ReadAsync()).Rows.Count == 1, await tsScan.ToSqlAsync());
        Assert.Single((await t.NewScan().Filter(Expr.Eq("u", u1)).ReadAsync()).Rows);
    }

    private static byte[] ReadAll(Stream s)
    {
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    [Fact]
    public void Required_column_with_nulls_is_refused()
    {
        var schema = new IcebergSchema(0, [NestedField.Require(1, "id", IcebergType.Long)]);
        var e = Assert.Throws<Dativo.Core.Errors.DativoException>(() => new RecordBatch(schema, [new long?[] { 1, null }]));
        Assert.Contains("required", e.Message);
        var wrongType = Assert.Throws<Dativo.Core.Errors.DativoException>(() => new RecordBatch(schema, [new int[] { 1 }]));
        Assert.Contains("Int64[]", wrongType.Message);
    }
}
