using System.Text;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Transforms;

/// <summary><c>bucket[N]</c>: (murmur3_x86_32(value) &amp; int.MaxValue) % N.</summary>
internal sealed class BucketTransform : Transform
{
    public BucketTransform(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "bucket count must be positive");
        N = n;
    }

    public int N { get; }

    public override object? Apply(PrimitiveType source, object? value) =>
        value is null ? null : (Hash(source, value) & int.MaxValue) % N;

    public static int Hash(PrimitiveType source, object value) => source.Id switch
    {
        TypeId.Int or TypeId.Long or TypeId.Date or TypeId.Time or TypeId.Timestamp or TypeId.TimestampTz =>
            Murmur3.HashLong(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
        TypeId.TimestampNs or TypeId.TimestampTzNs => Murmur3.HashLong(Math.DivRem((long)value, 1000L) is var (q, r) && r < 0 ? q - 1 : q),
        TypeId.String => Murmur3.HashBytes(Encoding.UTF8.GetBytes((string)value)),
        TypeId.Uuid => Murmur3.HashBytes(((Guid)value).ToByteArray(bigEndian: true)),
        TypeId.Fixed or TypeId.Binary => Murmur3.HashBytes((byte[])value),
        TypeId.Decimal => Murmur3.HashBytes(Conversions.Unscaled((decimal)value, source.Scale).ToByteArray(isUnsigned: false, isBigEndian: true)),
        _ => throw new NotSupportedException($"bucket transform does not apply to {source}"),
    };

    public override PrimitiveType ResultType(PrimitiveType source) => IcebergType.Int;

    public override string ToString() => $"bucket[{N}]";
}
