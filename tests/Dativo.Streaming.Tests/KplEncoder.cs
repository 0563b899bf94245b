using System.Security.Cryptography;
using System.Text;

namespace Dativo.Streaming.Tests;

/// <summary>
/// Builds KPL-aggregated records for tests: magic, protobuf AggregatedRecord (fields in the order the KPL writes
/// them), MD5 of the protobuf. <see cref="Protobuf"/> and <see cref="Frame"/> are separate so tests can break either.
/// </summary>
internal static class KplEncoder
{
    public static readonly byte[] Magic = [0xF3, 0x89, 0x9A, 0xC2];

    public sealed record User(string Key, string Data, string? ExplicitHashKey = null, bool WithTag = false);

    public static byte[] Aggregate(params User[] users) => Frame(Protobuf(users));

#pragma warning disable CA5351 // the KPL format's integrity check
    /// <summary>magic + <paramref name="protobuf"/> + its MD5.</summary>
    public static byte[] Frame(byte[] protobuf) => [.. Magic, .. protobuf, .. MD5.HashData(protobuf)];
#pragma warning restore CA5351

    public static byte[] Protobuf(IReadOnlyList<User> users)
    {
        var keys = users.Select(u => u.Key).Distinct().ToList();
        var hashKeys = users.Select(u => u.ExplicitHashKey).OfType<string>().Distinct().ToList();
        var message = new List<byte>();
        foreach (var k in keys) Field(message, 1, Encoding.UTF8.GetBytes(k));
        foreach (var h in hashKeys) Field(message, 2, Encoding.UTF8.GetBytes(h));
        foreach (var u in users)
        {
            var record = new List<byte>();
            Varint(record, 1 << 3);
            Varint(record, (ulong)keys.IndexOf(u.Key));
            if (u.ExplicitHashKey is { } h)
            {
                Varint(record, 2 << 3);
                Varint(record, (ulong)hashKeys.IndexOf(h));
            }
            Field(record, 3, Encoding.UTF8.GetBytes(u.Data));
            if (u.WithTag)
            {
                var tag = new List<byte>();
                Field(tag, 1, "team"u8.ToArray());
                Field(tag, 2, "web"u8.ToArray());
                Field(record, 4, [.. tag]);
            }
            Field(message, 3, [.. record]);
        }
        return [.. message];
    }

    public static void Field(List<byte> into, int field, byte[] bytes)
    {
        Varint(into, (ulong)(field << 3 | 2));
        Varint(into, (ulong)bytes.Length);
        into.AddRange(bytes);
    }

    public static void Varint(List<byte> into, ulong value)
    {
        while (value >= 0x80)
        {
            into.Add((byte)(value | 0x80));
            value >>= 7;
        }
        into.Add((byte)value);
    }
}
