using System.Text;

namespace Dativo.Lake.Iceberg.Manifests;

/// <summary>
/// Apache.Avro drops properties it does not model (e.g. <c>"logicalType": "map"</c> on arrays) when it writes
/// <c>avro.schema</c>, and refuses some it does not know (<c>"logicalType": "uuid"</c> on a fixed). This reads and
/// rewrites the container header's schema JSON; data blocks are untouched.
/// </summary>
internal static class AvroHeader
{
    private static readonly byte[] Magic = [(byte)'O', (byte)'b', (byte)'j', 1];

    /// <summary>The writer schema (<c>avro.schema</c>) of a container file.</summary>
    public static string Schema(byte[] file)
    {
        var (entries, _) = ReadHeader(file);
        return entries.Where(e => e.Key == "avro.schema").Select(e => Encoding.UTF8.GetString(e.Value)).FirstOrDefault()
            ?? throw new InvalidDataException("Avro container file without avro.schema");
    }

    public static byte[] ReplaceSchema(byte[] file, string schemaJson)
    {
        var (entries, pos) = ReadHeader(file);
        var rest = file.AsSpan(pos); // 16-byte sync marker + data blocks
        using var ms = new MemoryStream(file.Length + schemaJson.Length);
        ms.Write(Magic);
        WriteLong(ms, entries.Count);
        foreach (var (key, value) in entries)
        {
            WriteBytes(ms, Encoding.UTF8.GetBytes(key));
            WriteBytes(ms, key == "avro.schema" ? Encoding.UTF8.GetBytes(schemaJson) : value);
        }
        WriteLong(ms, 0);
        ms.Write(rest);
        return ms.ToArray();
    }

    private static (List<(string Key, byte[] Value)> Entries, int End) ReadHeader(byte[] file)
    {
        if (file.Length < 4 || !file.AsSpan(0, 4).SequenceEqual(Magic)) throw new InvalidDataException("not an Avro container file");
        var pos = 4;
        var entries = new List<(string Key, byte[] Value)>();
        while (true)
        {
            var count = ReadLong(file, ref pos);
            if (count == 0) break;
            if (count < 0)
            {
                count = -count;
                ReadLong(file, ref pos); // block size in bytes
            }
            for (var i = 0; i < count; i++)
            {
                var key = Encoding.UTF8.GetString(ReadBytes(file, ref pos));
                entries.Add((key, ReadBytes(file, ref pos)));
            }
        }
        return (entries, pos);
    }

    private static long ReadLong(byte[] b, ref int pos)
    {
        ulong v = 0;
        var shift = 0;
        byte x;
        do
        {
            x = b[pos++];
            v |= (ulong)(x & 0x7f) << shift;
            shift += 7;
        } while ((x & 0x80) != 0);
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    private static byte[] ReadBytes(byte[] b, ref int pos)
    {
        var len = (int)ReadLong(b, ref pos);
        var r = b.AsSpan(pos, len).ToArray();
        pos += len;
        return r;
    }

    private static void WriteLong(Stream s, long value)
    {
        var v = (ulong)((value << 1) ^ (value >> 63));
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }

    private static void WriteBytes(Stream s, byte[] value)
    {
        WriteLong(s, value.Length);
        s.Write(value);
    }
}
