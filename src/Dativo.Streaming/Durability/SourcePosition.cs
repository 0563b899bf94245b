using System.Text;

namespace Dativo.Streaming.Durability;

/// <summary>A marker entry's text: a source (e.g. a Kinesis stream and shard) and how far it was read, one line each.</summary>
internal static class SourcePosition
{
    public static ReadOnlyMemory<byte> Encode(string source, string position) => Encoding.UTF8.GetBytes(source + "\n" + position);

    public static (string Source, string Position) Decode(ReadOnlySpan<byte> marker)
    {
        var text = Encoding.UTF8.GetString(marker);
        var cut = text.LastIndexOf('\n');
        return (text[..cut], text[(cut + 1)..]);
    }
}
