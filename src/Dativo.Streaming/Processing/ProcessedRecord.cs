namespace Dativo.Streaming.Processing;

/// <summary>
/// A record ready for a buffer. <see cref="Ordinal"/> = log seq × 2^20 + sub-record index: unique, ordered, the same on
/// a replay. <see cref="BufferKey"/> is the evaluated prefix (random strings still as markers).
/// <see cref="NaturalPartition"/> is where it would go without the active-partition limit (null for processing failures).
/// <see cref="Newline"/>: the buffer appends a newline after <see cref="Data"/> (newline appending, without a copy here).
/// </summary>
internal sealed record ProcessedRecord(long Ordinal, long ArrivalMs, string BufferKey, bool IsError, ReadOnlyMemory<byte> Data, string? NaturalPartition, bool Newline = false)
{
    /// <summary>The record's bytes in its object (with the appended newline).</summary>
    public int Length => Data.Length + (Newline ? 1 : 0);

    public static long OrdinalOf(long seq, int sub) => (seq << 20) | (uint)sub;

    public static long SeqOf(long ordinal) => ordinal >> 20;
}
