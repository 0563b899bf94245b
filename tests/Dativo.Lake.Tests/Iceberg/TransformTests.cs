using System.Text;
using Dativo.Lake.Iceberg.Transforms;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Tests.Iceberg;

public class TransformTests
{
    private static int Days(int y, int m, int d) => new DateOnly(y, m, d).DayNumber - new DateOnly(1970, 1, 1).DayNumber;

    private static long Micros(string iso) => Conversions.MicrosFromEpoch(DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture,
        System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal));

    [Fact]
    public void Murmur3_matches_spec_appendix_b_test_values()
    {
        Assert.Equal(2017239379, BucketTransform.Hash(IcebergType.Int, 34));
        Assert.Equal(2017239379, BucketTransform.Hash(IcebergType.Long, 34L));
        Assert.Equal(-500754589, BucketTransform.Hash(IcebergType.Decimal(9, 2), 14.20m));
        Assert.Equal(-653330422, BucketTransform.Hash(IcebergType.Date, Days(2017, 11, 16)));
        Assert.Equal(-662762989, BucketTransform.Hash(IcebergType.Time, (22L * 3600 + 31 * 60 + 8) * 1_000_000));
        Assert.Equal(-2047944441, BucketTransform.Hash(IcebergType.Timestamp, Micros("2017-11-16T22:31:08")));
        Assert.Equal(-1207196810, BucketTransform.Hash(IcebergType.Timestamp, Micros("2017-11-16T22:31:08.000001")));
        Assert.Equal(-2047944441, BucketTransform.Hash(IcebergType.TimestampTz, Micros("2017-11-16T14:31:08-08:00")));
        Assert.Equal(1210000089, BucketTransform.Hash(IcebergType.String, "iceberg"));
        Assert.Equal(1488055340, BucketTransform.Hash(IcebergType.Uuid, Guid.Parse("f79c3e09-677c-4bbd-a479-3f349cb785e7")));
        Assert.Equal(-188683207, BucketTransform.Hash(IcebergType.Fixed(4), new byte[] { 0, 1, 2, 3 }));
        Assert.Equal(-188683207, BucketTransform.Hash(IcebergType.Binary, new byte[] { 0, 1, 2, 3 }));
    }

    [Fact]
    public void Bucket_discards_sign_bit_then_mods()
    {
        var t = Transform.Parse("bucket[16]");
        Assert.Equal("bucket[16]", t.ToString());
        Assert.Equal((2017239379 & int.MaxValue) % 16, t.Apply(IcebergType.Int, 34));
        Assert.Equal((-653330422 & int.MaxValue) % 16, t.Apply(IcebergType.Date, Days(2017, 11, 16)));
        Assert.Null(t.Apply(IcebergType.Int, null));
    }

    [Fact]
    public void Truncate_matches_spec_examples()
    {
        var t10 = Transform.Truncate(10);
        Assert.Equal(0, t10.Apply(IcebergType.Int, 1));
        Assert.Equal(-10, t10.Apply(IcebergType.Int, -1));
        Assert.Equal(-10L, t10.Apply(IcebergType.Long, -1L));
        Assert.Equal(10.50m, Transform.Truncate(50).Apply(IcebergType.Decimal(9, 2), 10.65m));
        Assert.Equal("ice", Transform.Truncate(3).Apply(IcebergType.String, "iceberg"));
        Assert.Equal("😀a", Transform.Truncate(2).Apply(IcebergType.String, "😀abc"));
        Assert.Equal(new byte[] { 1, 2, 3 }, (byte[])Transform.Truncate(3).Apply(IcebergType.Binary, new byte[] { 1, 2, 3, 4, 5 })!);
    }

    [Fact]
    public void Time_transforms_count_units_from_epoch_with_floor()
    {
        var d = Days(2017, 11, 16);
        Assert.Equal(47, Transform.Year.Apply(IcebergType.Date, d));
        Assert.Equal(47 * 12 + 10, Transform.Month.Apply(IcebergType.Date, d));
        Assert.Equal(d, Transform.Day.Apply(IcebergType.Date, d));
        var ts = Micros("2017-11-16T22:31:08");
        Assert.Equal(d, Transform.Day.Apply(IcebergType.Timestamp, ts));
        Assert.Equal((d * 24) + 22, Transform.Hour.Apply(IcebergType.Timestamp, ts));
        Assert.Equal(-1, Transform.Day.Apply(IcebergType.Timestamp, -1L));
        Assert.Equal(-1, Transform.Hour.Apply(IcebergType.Timestamp, -1L));
        Assert.Equal(-1, Transform.Year.Apply(IcebergType.Date, -1));
        Assert.Equal(-1, Transform.Month.Apply(IcebergType.Date, -1));
        Assert.Equal("2017-11", Transform.Month.ToHumanString(IcebergType.Date, 47 * 12 + 10));
        Assert.Equal("2017-11-16-22", Transform.Hour.ToHumanString(IcebergType.Timestamp, (d * 24) + 22));
    }

    [Fact]
    public void Void_and_unknown_transforms()
    {
        Assert.Null(Transform.Void.Apply(IcebergType.String, "x"));
        var unknown = Transform.Parse("zorder");
        Assert.Equal("zorder", unknown.ToString());
        Assert.Throws<NotSupportedException>(() => unknown.Apply(IcebergType.Int, 1));
    }

    [Fact]
    public void Single_value_serialization_matches_appendix_d()
    {
        Assert.Equal(new byte[] { 34, 0, 0, 0 }, Conversions.ToBytes(IcebergType.Int, 34));
        Assert.Equal(new byte[] { 34, 0, 0, 0, 0, 0, 0, 0 }, Conversions.ToBytes(IcebergType.Long, 34L));
        Assert.Equal(Encoding.UTF8.GetBytes("iceberg"), Conversions.ToBytes(IcebergType.String, "iceberg"));
        Assert.Equal(Convert.FromHexString("F79C3E09677C4BBDA4793F349CB785E7"), Conversions.ToBytes(IcebergType.Uuid, Guid.Parse("f79c3e09-677c-4bbd-a479-3f349cb785e7")));
        Assert.Equal(new byte[] { 0x05, 0x8c }, Conversions.ToBytes(IcebergType.Decimal(9, 2), 14.20m));
        Assert.Equal(new byte[] { 0xff }, Conversions.ToBytes(IcebergType.Decimal(9, 2), -0.01m));
        Assert.Equal(-0.01m, Conversions.FromBytes(IcebergType.Decimal(9, 2), new byte[] { 0xff }));
        Assert.Equal(1, Conversions.ToBytes(IcebergType.Boolean, true)[0]);
        Assert.Equal(34L, Conversions.FromBytes(IcebergType.Long, new byte[] { 34, 0, 0, 0 }));
        Assert.Equal(1.5, Conversions.FromBytes(IcebergType.Double, Conversions.ToBytes(IcebergType.Double, 1.5)));
    }
}
