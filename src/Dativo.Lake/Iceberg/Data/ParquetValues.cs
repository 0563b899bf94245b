using System.Buffers.Binary;
using System.Text;
using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Sources and value conversions of <see cref="ParquetColumns"/>: structs, so each generic write loop is specialised and inlined.</summary>
internal static partial class ParquetColumns
{
    private interface ISource<T>
    {
        int Length { get; }

        bool TryGet(int i, out T value);
    }

    private readonly struct Dense<T>(T[] a) : ISource<T>
    {
        public int Length => a.Length;

        public bool TryGet(int i, out T value)
        {
            value = a[i];
            return true;
        }
    }

    private readonly struct Nullables<T>(T?[] a) : ISource<T> where T : struct
    {
        public int Length => a.Length;

        public bool TryGet(int i, out T value)
        {
            var x = a[i];
            value = x.GetValueOrDefault();
            return x.HasValue;
        }
    }

    private readonly struct Refs<T>(T?[] a) : ISource<T> where T : class
    {
        public int Length => a.Length;

        public bool TryGet(int i, out T value)
        {
            value = a[i]!;
            return value is not null;
        }
    }

    private interface IConvert<in TIn, out TOut>
    {
        TOut To(TIn v);
    }

    private interface IEncode<in TIn>
    {
        /// <summary>Writes the value's bytes to the start of <paramref name="dest"/>; returns how many.</summary>
        int Encode(TIn v, Span<byte> dest);
    }

    private interface IVariableLength<in TIn>
    {
        int MaxLength(TIn v);
    }

    private readonly struct Same<T> : IConvert<T, T>
    {
        public T To(T v) => v;
    }

    private readonly struct Days : IConvert<DateOnly, int>
    {
        private static readonly int Epoch = Conversions.Epoch.DayNumber;

        public int To(DateOnly v) => v.DayNumber - Epoch;
    }

    private readonly struct TimeMicros : IConvert<TimeOnly, long>
    {
        public long To(TimeOnly v) => v.Ticks / 10;
    }

    private readonly struct Micros : IConvert<DateTime, long>
    {
        public long To(DateTime v) => Conversions.MicrosFromEpoch(v);
    }

    private readonly struct UuidBytes : IEncode<Guid>
    {
        // Iceberg and Parquet store UUIDs in RFC 4122 (big-endian) byte order, not .NET's mixed-endian layout
        public int Encode(Guid v, Span<byte> dest)
        {
            v.TryWriteBytes(dest, bigEndian: true, out var n);
            return n;
        }
    }

    private readonly struct FixedBytes(int length) : IEncode<byte[]>
    {
        public int Encode(byte[] v, Span<byte> dest)
        {
            if (v.Length != length) throw new DativoException($"a fixed[{length}] value has {v.Length} bytes");
            v.CopyTo(dest);
            return length;
        }
    }

    private readonly struct RawBytes : IEncode<byte[]>, IVariableLength<byte[]>
    {
        public int MaxLength(byte[] v) => v.Length;

        public int Encode(byte[] v, Span<byte> dest)
        {
            v.CopyTo(dest);
            return v.Length;
        }
    }

    private readonly struct Utf8 : IEncode<string>, IVariableLength<string>
    {
        public int MaxLength(string v) => Encoding.UTF8.GetMaxByteCount(v.Length);

        public int Encode(string v, Span<byte> dest) => Encoding.UTF8.GetBytes(v, dest);
    }

    /// <summary>Unscaled integer of a decimal at the column's scale (rounded half-even, as <see cref="Conversions.Unscaled"/>), checked against the precision.</summary>
    private readonly struct Unscaled(int precision, int scale)
    {
        private static readonly Int128[] Pow10 = Powers();
        private readonly Int128 _max = Pow10[precision] - 1;

        /// <summary>For precision ≤ 18: the usual value (scale at most the column's, 64-bit mantissa) without 128-bit arithmetic.</summary>
        public long Of64(decimal v)
        {
            var shift = scale - v.Scale;
            if (shift is >= 0 and <= 18)
            {
                Span<int> bits = stackalloc int[4];
                decimal.GetBits(v, bits);
                if (bits[2] == 0)
                {
                    var hi = Math.BigMul(((ulong)(uint)bits[1] << 32) | (uint)bits[0], (ulong)Pow10[shift], out var r);
                    if (hi == 0 && r <= (ulong)_max) return bits[3] < 0 ? -(long)r : (long)r;
                }
            }
            return (long)Of(v);
        }

        public Int128 Of(decimal v)
        {
            if (v.Scale > scale) v = decimal.Round(v, scale, MidpointRounding.ToEven);
            Span<int> bits = stackalloc int[4];
            decimal.GetBits(v, bits);
            var mag = (Int128)(((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0]);
            Int128 r;
            try
            {
                r = checked(mag * Pow10[scale - v.Scale]);
            }
            catch (OverflowException)
            {
                r = Int128.MaxValue;
            }
            if (r > _max) throw new DativoException($"value {v} does not fit decimal({precision}, {scale})");
            return bits[3] < 0 ? -r : r;
        }

        private static Int128[] Powers()
        {
            var p = new Int128[39];
            p[0] = 1;
            for (var i = 1; i < p.Length; i++) p[i] = p[i - 1] * 10;
            return p;
        }
    }

    private readonly struct DecimalInt(Unscaled u) : IConvert<decimal, int>
    {
        public int To(decimal v) => (int)u.Of64(v);
    }

    private readonly struct DecimalLong(Unscaled u) : IConvert<decimal, long>
    {
        public long To(decimal v) => u.Of64(v);
    }

    /// <summary>Big-endian two's complement in the column's fixed width.</summary>
    private readonly struct DecimalBytes(Unscaled u, int width) : IEncode<decimal>
    {
        public int Encode(decimal v, Span<byte> dest)
        {
            Span<byte> all = stackalloc byte[16];
            BinaryPrimitives.WriteInt128BigEndian(all, u.Of(v));
            all[(16 - width)..].CopyTo(dest);
            return width;
        }
    }
}
