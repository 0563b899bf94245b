using System.Buffers.Binary;
using System.Numerics;

namespace Dativo.Lake.Iceberg.Transforms;

/// <summary>Murmur3 x86 32-bit, seed 0 (spec Appendix B).</summary>
internal static class Murmur3
{
    private const uint C1 = 0xcc9e2d51;
    private const uint C2 = 0x1b873593;

    public static int HashBytes(ReadOnlySpan<byte> data)
    {
        uint h = 0;
        var blocks = data.Length / 4;
        for (var i = 0; i < blocks; i++)
            h = MixH(h, MixK(BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4))));
        uint k = 0;
        var tail = data[(blocks * 4)..];
        switch (tail.Length)
        {
            case 3: k ^= (uint)tail[2] << 16; goto case 2;
            case 2: k ^= (uint)tail[1] << 8; goto case 1;
            case 1: k ^= tail[0]; h ^= MixK(k); break;
        }
        return (int)FMix(h ^ (uint)data.Length);
    }

    /// <summary>Hash of an 8-byte little-endian long; ints are hashed as longs (spec note 1).</summary>
    public static int HashLong(long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        return HashBytes(b);
    }

    private static uint MixK(uint k) => BitOperations.RotateLeft(k * C1, 15) * C2;

    private static uint MixH(uint h, uint k) => (BitOperations.RotateLeft(h ^ k, 13) * 5) + 0xe6546b64;

    private static uint FMix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }
}
