using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>
/// numeric → <see cref="decimal"/>, exactly, with scale = the value's display scale (numeric(12,2) 1.5 → 1.50).
/// The payload (numeric_send): int16 ndigits, int16 weight, uint16 sign, uint16 dscale, then ndigits base-10000 digits,
/// most significant first, worth 10000^weight, 10000^(weight−1), …. NaN, ±Infinity and values beyond decimal's
/// 96-bit mantissa or 28 decimal places have no decimal and fail.
/// </summary>
internal readonly struct NumericDecoder : IPgDecoder<decimal>
{
    private const ushort Positive = 0x0000, Negative = 0x4000, NaN = 0xC000, PlusInfinity = 0xD000, MinusInfinity = 0xF000;
    private const int MaxScale = 28;
    private static readonly UInt128 MaxMantissa = (UInt128.One << 96) - 1;

    private static ReadOnlySpan<ulong> Pow10 =>
    [
        1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out decimal value)
    {
        value = default;
        if (v.Length < 8) return false;
        int n = BinaryPrimitives.ReadInt16BigEndian(v);
        int weight = BinaryPrimitives.ReadInt16BigEndian(v[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(v[4..]);
        int dscale = BinaryPrimitives.ReadUInt16BigEndian(v[6..]);
        if (n < 0 || v.Length != 8 + 2 * n || sign is not (Positive or Negative)) return false;
        // value = digits (as one base-10000 integer) × 10^exp; the decimal's mantissa is value × 10^dscale
        var exp = 4 * (weight + 1 - n) + dscale;
        var negative = sign == Negative;
        if (n == 0)
        {
            value = new decimal(0, 0, 0, false, (byte)Math.Min(dscale, MaxScale));
            return true;
        }
        // the common shape: up to 16 significant digits, a few places more or less than the display scale (< 10^19)
        if (n <= 4 && exp is >= -4 and <= 3 && dscale <= MaxScale)
        {
            ulong u = 0;
            for (var i = 0; i < n; i++)
            {
                var d = BinaryPrimitives.ReadUInt16BigEndian(v[(8 + 2 * i)..]);
                if (d >= 10_000) return false;
                u = u * 10_000 + d;
            }
            ulong q;
            if (exp >= 0) q = u * Pow10[exp];
            else
            {
                var p = Pow10[-exp];
                q = u / p;
                if (q * p != u) return TryDecodeWide(v, n, exp, dscale, negative, out value);
            }
            value = new decimal((int)q, (int)(q >> 32), 0, negative && q != 0, (byte)dscale);
            return true;
        }
        return TryDecodeWide(v, n, exp, dscale, negative, out value);
    }

    private static bool TryDecodeWide(ReadOnlySpan<byte> v, int n, int exp, int scale, bool negative, out decimal value)
    {
        value = default;
        UInt128 u = 0;
        for (var i = 0; i < n; i++)
        {
            var d = BinaryPrimitives.ReadUInt16BigEndian(v[(8 + 2 * i)..]);
            if (d >= 10_000 || u > MaxMantissa * 1000) return false; // beyond 96 bits even after dropping 3 zero places
            u = u * 10_000 + d;
        }
        // digits past the display scale are zeros (PostgreSQL rounds to dscale); keep any that are not
        for (; exp < 0 && u % 10 == 0; exp++) u /= 10;
        if (exp < 0) { scale -= exp; exp = 0; }
        for (; exp > 0; exp--)
        {
            if (u > MaxMantissa / 10) return false;
            u *= 10;
        }
        for (; scale > MaxScale && u % 10 == 0; scale--) u /= 10;
        if (scale > MaxScale || u > MaxMantissa) return false;
        value = new decimal((int)(ulong)u, (int)((ulong)u >> 32), (int)(ulong)(u >> 64), negative && u != 0, (byte)scale);
        return true;
    }

    public static string Problem(ReadOnlySpan<byte> v)
    {
        if (v.Length < 8) return $"a numeric needs at least 8 bytes, got {v.Length}";
        int n = BinaryPrimitives.ReadInt16BigEndian(v);
        if (n < 0 || v.Length != 8 + 2 * n) return $"a numeric of {n} digits needs {8 + 2 * n} bytes, got {v.Length}";
        return BinaryPrimitives.ReadUInt16BigEndian(v[4..]) switch
        {
            NaN => "numeric NaN has no decimal value",
            PlusInfinity => "numeric Infinity has no decimal value",
            MinusInfinity => "numeric -Infinity has no decimal value",
            Positive or Negative => "numeric value does not fit a decimal (at most 28–29 significant digits and 28 decimal places)",
            var s => $"numeric with unknown sign 0x{s:X4}",
        };
    }
}
