using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Dativo.Lake.Iceberg.Types;

/// <summary>
/// In-memory values use one CLR type per Iceberg type: boolean→bool, int→int, long→long, float→float,
/// double→double, decimal→decimal, date→int (days from epoch), time→long (µs from midnight),
/// timestamp/timestamptz→long (µs from epoch), string→string, uuid→Guid, fixed/binary→byte[].
/// This class implements the spec's binary single-value serialization (Appendix D), ordering and display.
/// </summary>
public static class Conversions
{
    public static byte[] ToBytes(PrimitiveType type, object value)
    {
        switch (type.Id)
        {
            case TypeId.Boolean: return [(bool)value ? (byte)1 : (byte)0];
            case TypeId.Int:
            case TypeId.Date:
            {
                var b = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(b, Convert.ToInt32(value, CultureInfo.InvariantCulture));
                return b;
            }
            case TypeId.Long:
            case TypeId.Time:
            case TypeId.Timestamp:
            case TypeId.TimestampTz:
            case TypeId.TimestampNs:
            case TypeId.TimestampTzNs:
            {
                var b = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(b, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                return b;
            }
            case TypeId.Float:
            {
                var b = new byte[4];
                BinaryPrimitives.WriteSingleLittleEndian(b, (float)value);
                return b;
            }
            case TypeId.Double:
            {
                var b = new byte[8];
                BinaryPrimitives.WriteDoubleLittleEndian(b, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                return b;
            }
            case TypeId.String: return Encoding.UTF8.GetBytes((string)value);
            case TypeId.Uuid: return ((Guid)value).ToByteArray(bigEndian: true);
            case TypeId.Fixed:
            case TypeId.Binary: return (byte[])value;
            case TypeId.Decimal: return Unscaled((decimal)value, type.Scale).ToByteArray(isUnsigned: false, isBigEndian: true);
            default: throw new NotSupportedException($"no single-value serialization for {type}");
        }
    }

    public static object FromBytes(PrimitiveType type, ReadOnlySpan<byte> b)
    {
        switch (type.Id)
        {
            case TypeId.Boolean: return b[0] != 0;
            case TypeId.Int:
            case TypeId.Date: return BinaryPrimitives.ReadInt32LittleEndian(b);
            case TypeId.Long:
            case TypeId.Time:
            case TypeId.Timestamp:
            case TypeId.TimestampTz:
            case TypeId.TimestampNs:
            case TypeId.TimestampTzNs:
                // a bound written before int→long promotion has 4 bytes
                return b.Length == 4 ? BinaryPrimitives.ReadInt32LittleEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b);
            case TypeId.Float: return BinaryPrimitives.ReadSingleLittleEndian(b);
            case TypeId.Double:
                return b.Length == 4 ? BinaryPrimitives.ReadSingleLittleEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b);
            case TypeId.String: return Encoding.UTF8.GetString(b);
            case TypeId.Uuid: return new Guid(b, bigEndian: true);
            case TypeId.Fixed:
            case TypeId.Binary: return b.ToArray();
            case TypeId.Decimal: return Scaled(new BigInteger(b, isUnsigned: false, isBigEndian: true), type.Scale);
            default: throw new NotSupportedException($"no single-value serialization for {type}");
        }
    }

    /// <summary>The unscaled integer of a decimal at the given scale.</summary>
    public static BigInteger Unscaled(decimal value, int scale)
    {
        var scaled = decimal.Round(value, scale, MidpointRounding.ToEven);
        var bits = decimal.GetBits(scaled);
        var currentScale = (bits[3] >> 16) & 0xff;
        var mag = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        if (bits[3] < 0) mag = -mag;
        return mag * BigInteger.Pow(10, scale - currentScale);
    }

    public static decimal Scaled(BigInteger unscaled, int scale)
    {
        var neg = unscaled.Sign < 0;
        var mag = BigInteger.Abs(unscaled);
        var bytes = mag.ToByteArray(isUnsigned: true, isBigEndian: false);
        Array.Resize(ref bytes, 12);
        if (bytes.Length > 12 || scale > 28) throw new OverflowException("decimal value exceeds System.Decimal range");
        return new decimal(BitConverter.ToInt32(bytes, 0), BitConverter.ToInt32(bytes, 4), BitConverter.ToInt32(bytes, 8), neg, (byte)scale);
    }

    /// <summary>Orders two non-null values of the same type (strings by UTF-8 bytes, binary unsigned lexicographic).</summary>
    public static int Compare(object a, object b)
    {
        switch (a)
        {
            case string sa: return CompareUtf8(sa, (string)b);
            case byte[] ba: return ba.AsSpan().SequenceCompareTo((byte[])b);
            case Guid ga: return ga.ToByteArray(true).AsSpan().SequenceCompareTo(((Guid)b).ToByteArray(true));
            case int ia when b is long lb: return ((long)ia).CompareTo(lb);
            case long la when b is int ib: return la.CompareTo(ib);
            case float fa when b is double db: return ((double)fa).CompareTo(db);
            case double da when b is float fb: return da.CompareTo(fb);
            case IComparable c: return c.CompareTo(b);
            default: throw new ArgumentException($"values of type {a.GetType()} are not comparable");
        }
    }

    private static int CompareUtf8(string a, string b)
    {
        // UTF-16 ordinal order equals code point order except for surrogates; compare code points.
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var ma = ea.MoveNext();
            var mb = eb.MoveNext();
            if (!ma || !mb) return ma == mb ? 0 : ma ? 1 : -1;
            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0) return c;
        }
    }

    /// <summary>Converts a value to the in-memory representation of <paramref name="type"/> (e.g. DateOnly→days).</summary>
    public static object? Normalize(PrimitiveType type, object? value) => value switch
    {
        null => null,
        DateOnly d => d.DayNumber - Epoch.DayNumber,
        DateTime dt when type.Id == TypeId.Date => DateOnly.FromDateTime(dt).DayNumber - Epoch.DayNumber,
        DateTime dt => MicrosFromEpoch(dt),
        DateTimeOffset dto => (dto.UtcTicks - DateTime.UnixEpoch.Ticks) / 10,
        TimeOnly t => t.Ticks / 10,
        TimeSpan ts => ts.Ticks / 10,
        int i when type.Id == TypeId.Long => (long)i,
        float f when type.Id == TypeId.Double => (double)f,
        int i when type.Id == TypeId.Decimal => (decimal)i,
        long l when type.Id == TypeId.Decimal => (decimal)l,
        double d when type.Id == TypeId.Decimal => (decimal)d,
        string s when type.Id == TypeId.Uuid => Guid.Parse(s),
        _ => value,
    };

    public static DateOnly Epoch { get; } = new(1970, 1, 1);

    public static long MicrosFromEpoch(DateTime dt)
    {
        var utc = dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt;
        return (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;
    }

    public static DateTime DateTimeFromMicros(long micros) => new(DateTime.UnixEpoch.Ticks + (micros * 10), DateTimeKind.Utc);

    public static DateOnly DateFromDays(int days) => Epoch.AddDays(days);

    /// <summary>Human-readable value as used in partition paths and CLI output.</summary>
    public static string ToHumanString(PrimitiveType type, object? value)
    {
        if (value is null) return "null";
        return type.Id switch
        {
            TypeId.Date => DateFromDays(Convert.ToInt32(value, CultureInfo.InvariantCulture)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            TypeId.Time => TimeOnly.FromTimeSpan(TimeSpan.FromTicks(Convert.ToInt64(value, CultureInfo.InvariantCulture) * 10)).ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            TypeId.Timestamp => DateTimeFromMicros(Convert.ToInt64(value, CultureInfo.InvariantCulture)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            TypeId.TimestampTz => DateTimeFromMicros(Convert.ToInt64(value, CultureInfo.InvariantCulture)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture),
            TypeId.Boolean => (bool)value ? "true" : "false",
            TypeId.Binary or TypeId.Fixed => Convert.ToHexStringLower((byte[])value),
            TypeId.Decimal => ((decimal)value).ToString("F" + type.Scale, CultureInfo.InvariantCulture),
            TypeId.Float => ((float)value).ToString("R", CultureInfo.InvariantCulture),
            TypeId.Double => Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
        };
    }
}
