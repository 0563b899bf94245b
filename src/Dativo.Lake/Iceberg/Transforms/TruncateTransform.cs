using System.Globalization;
using System.Numerics;
using System.Text;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Transforms;

/// <summary><c>truncate[W]</c>: v - (((v % W) + W) % W) for numbers, first W code points / bytes otherwise.</summary>
internal sealed class TruncateTransform : Transform
{
    public TruncateTransform(int width)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), "truncate width must be positive");
        W = width;
    }

    public int W { get; }

    public override object? Apply(PrimitiveType source, object? value)
    {
        if (value is null) return null;
        switch (source.Id)
        {
            case TypeId.Int:
            {
                var v = Convert.ToInt32(value, CultureInfo.InvariantCulture);
                return v - (((v % W) + W) % W);
            }
            case TypeId.Long:
            {
                var v = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                return v - (((v % W) + W) % W);
            }
            case TypeId.Decimal:
            {
                var u = Conversions.Unscaled((decimal)value, source.Scale);
                var w = new BigInteger(W);
                return Conversions.Scaled(u - (((u % w) + w) % w), source.Scale);
            }
            case TypeId.String: return TruncateString((string)value, W);
            case TypeId.Binary:
            {
                var b = (byte[])value;
                return b.Length <= W ? b : b[..W];
            }
            default: throw new NotSupportedException($"truncate transform does not apply to {source}");
        }
    }

    /// <summary>First <paramref name="codePoints"/> Unicode code points of a string.</summary>
    public static string TruncateString(string s, int codePoints)
    {
        if (s.Length <= codePoints) return s;
        var sb = new StringBuilder();
        var n = 0;
        foreach (var r in s.EnumerateRunes())
        {
            if (n++ == codePoints) break;
            sb.Append(r.ToString());
        }
        return sb.ToString();
    }

    public override PrimitiveType ResultType(PrimitiveType source) => source;

    public override bool PreservesOrder => true;

    public override string ToString() => $"truncate[{W}]";
}
