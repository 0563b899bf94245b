using System.Security.Cryptography;
using Dativo.Streaming.Processing;

namespace Dativo.Streaming.Sources.Kinesis;

/// <summary>
/// A record put by the Kinesis Producer Library with aggregation: the magic <c>F3 89 9A C2</c>, a protobuf
/// <c>AggregatedRecord</c> (1: partition_key_table, 2: explicit_hash_key_table, 3: records {1: partition_key_index,
/// 2: explicit_hash_key_index, 3: data, 4: tags}), then the MD5 of the protobuf bytes. Read by hand so the user
/// records stay slices of the record (no copy); fields this reader does not need are checked only for their framing.
/// </summary>
internal static class KplAggregate
{
    private const int DigestLength = 16;

    private static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];

    public static bool IsAggregated(ReadOnlySpan<byte> record) => record.StartsWith(Magic);

    /// <summary>The user records' data, in order (slices of <paramref name="record"/>).</summary>
    /// <exception cref="DeaggregationException">the digest does not match, or the protobuf is malformed</exception>
    public static List<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> record)
    {
        if (record.Length < Magic.Length + DigestLength)
            throw Bad($"it is {record.Length} bytes, shorter than the magic and the MD5 digest");
        var message = record[Magic.Length..^DigestLength];
        Span<byte> digest = stackalloc byte[DigestLength];
#pragma warning disable CA5351 // the KPL format's integrity check, not a security measure
        MD5.HashData(message.Span, digest);
#pragma warning restore CA5351
        if (!digest.SequenceEqual(record.Span[^DigestLength..]))
            throw Bad("the MD5 digest at its end does not match its protobuf message (the record is corrupt)");

        var users = new List<ReadOnlyMemory<byte>>();
        int partitionKeys = 0, hashKeys = 0;
        var indexes = new List<(int At, ulong PartitionKey, ulong? HashKey)>();
        var reader = new ProtoReader(message, Magic.Length);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.Tag();
            switch (field, wire)
            {
                case (1, ProtoReader.LengthDelimitedType): reader.Bytes(); partitionKeys++; break;
                case (2, ProtoReader.LengthDelimitedType): reader.Bytes(); hashKeys++; break;
                case (3, ProtoReader.LengthDelimitedType):
                    var bytes = reader.Bytes();
                    var at = reader.Offset - bytes.Length;
                    var (data, partitionKey, hashKey) = UserRecord(new ProtoReader(bytes, at));
                    users.Add(data);
                    indexes.Add((at, partitionKey, hashKey));
                    if (users.Count > Deaggregator.MaxSubRecords) throw Bad($"it holds more than {Deaggregator.MaxSubRecords} user records");
                    break;
                default: reader.Skip(wire); break;
            }
        }
        foreach (var (at, partitionKey, hashKey) in indexes)
        {
            if (partitionKey >= (ulong)partitionKeys)
                throw Bad($"the user record at byte {at} names partition key {partitionKey} of a table of {partitionKeys}");
            if (hashKey >= (ulong)hashKeys)
                throw Bad($"the user record at byte {at} names explicit hash key {hashKey} of a table of {hashKeys}");
        }
        return users;
    }

    private static (ReadOnlyMemory<byte> Data, ulong PartitionKey, ulong? HashKey) UserRecord(ProtoReader reader)
    {
        ReadOnlyMemory<byte>? data = null;
        ulong? partitionKey = null, hashKey = null;
        var start = reader.Offset;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.Tag();
            switch (field, wire)
            {
                case (1, ProtoReader.VarintType): partitionKey = reader.Varint(); break;
                case (2, ProtoReader.VarintType): hashKey = reader.Varint(); break;
                case (3, ProtoReader.LengthDelimitedType): data = reader.Bytes(); break;
                default: reader.Skip(wire); break; // tags (4) are not part of the record's data
            }
        }
        if (partitionKey is null || data is null)
            throw Bad($"the user record at byte {start} lacks its {(data is null ? "data" : "partition_key_index")}");
        return (data.Value, partitionKey.Value, hashKey);
    }

    internal static DeaggregationException Bad(string why) => new($"KPL-aggregated record (it starts with the KPL magic F3899AC2) that cannot be de-aggregated: {why}");

    /// <summary>Protobuf wire format: varints and length-delimited fields, with byte offsets for messages.</summary>
    private struct ProtoReader(ReadOnlyMemory<byte> buffer, int baseOffset)
    {
        public const int VarintType = 0, Fixed64Type = 1, LengthDelimitedType = 2, Fixed32Type = 5;

        private int _at;

        public readonly bool AtEnd => _at >= buffer.Length;

        /// <summary>Position in the whole record (for messages).</summary>
        public readonly int Offset => baseOffset + _at;

        public (ulong Field, int Wire) Tag()
        {
            var key = Varint();
            var field = key >> 3;
            if (field == 0) throw Bad($"field number 0 at byte {Offset}");
            return (field, (int)(key & 7));
        }

        public ulong Varint()
        {
            var start = Offset;
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (AtEnd) throw Bad($"a varint is cut off at byte {start}");
                var b = buffer.Span[_at++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
            throw Bad($"a varint longer than 10 bytes at byte {start}");
        }

        public ReadOnlyMemory<byte> Bytes()
        {
            var start = Offset;
            var length = Varint();
            if (length > (ulong)(buffer.Length - _at)) throw Bad($"a field of {length} bytes at byte {start} runs past the end of the message");
            var bytes = buffer.Slice(_at, (int)length);
            _at += (int)length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case VarintType: Varint(); break;
                case LengthDelimitedType: Bytes(); break;
                case Fixed64Type: Advance(8); break;
                case Fixed32Type: Advance(4); break;
                default: throw Bad($"unsupported protobuf wire type {wire} at byte {Offset}");
            }
        }

        private void Advance(int bytes)
        {
            if (buffer.Length - _at < bytes) throw Bad($"a fixed-size field is cut off at byte {Offset}");
            _at += bytes;
        }
    }
}
