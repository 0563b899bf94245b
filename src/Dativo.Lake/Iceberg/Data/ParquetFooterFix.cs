using System.Buffers.Binary;
using System.Reflection;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>
/// Parquet.Net 6.1 writes wrong column-chunk statistics for microsecond timestamps (computed in milliseconds)
/// and for UUIDs (.NET's mixed-endian Guid bytes). Engines fold predicates with those statistics (DuckDB
/// answered <c>ts &gt; x</c> wrongly), so the footer is rewritten without statistics for such columns; Iceberg
/// pruning uses the manifest bounds, which are computed separately. Uses Parquet.Net's internal Thrift
/// (de)serializers; when they are not found the footer is left as written.
/// </summary>
internal static class ParquetFooterFix
{
    private static readonly Lazy<(MethodInfo Read, MethodInfo Write, Type Reader, Type Writer)?> Thrift = new(() =>
    {
        var asm = typeof(Parquet.Meta.FileMetaData).Assembly;
        var reader = asm.GetType("Parquet.Meta.Proto.ThriftCompactProtocolReader");
        var writer = asm.GetType("Parquet.Meta.Proto.ThriftCompactProtocolWriter");
        const BindingFlags any = BindingFlags.Public | BindingFlags.NonPublic;
        var read = typeof(Parquet.Meta.FileMetaData).GetMethod("Read", any | BindingFlags.Static);
        var write = typeof(Parquet.Meta.FileMetaData).GetMethod("Write", any | BindingFlags.Instance);
        return reader is null || writer is null || read is null || write is null ? null : (read, write, reader, writer);
    });

    public static bool Available => Thrift.Value is not null;

    /// <summary>Rewrites the footer in <paramref name="tail"/> (bytes ending with the footer and <c>PAR1</c>).</summary>
    public static byte[] StripStatistics(byte[] tail, IReadOnlySet<string> columns)
    {
        if (columns.Count == 0 || Thrift.Value is not { } t || tail.Length < 8) return tail;
        if (!tail.AsSpan(tail.Length - 4).SequenceEqual("PAR1"u8)) return tail;
        var len = BinaryPrimitives.ReadInt32LittleEndian(tail.AsSpan(tail.Length - 8, 4));
        var start = tail.Length - 8 - len;
        if (start < 0) return tail;
        var meta = (Parquet.Meta.FileMetaData)t.Read.Invoke(null, [Activator.CreateInstance(t.Reader, new MemoryStream(tail, start, len, writable: false))])!;
        var changed = false;
        foreach (var rg in meta.RowGroups)
            foreach (var chunk in rg.Columns)
                if (chunk.MetaData is { Statistics: not null } md && md.PathInSchema.Count == 1 && columns.Contains(md.PathInSchema[0]))
                {
                    md.Statistics = null;
                    changed = true;
                }
        if (!changed) return tail;
        using var ms = new MemoryStream();
        ms.Write(tail, 0, start);
        var metaStart = ms.Position;
        t.Write.Invoke(meta, [Activator.CreateInstance(t.Writer, ms)]);
        var newLen = (int)(ms.Position - metaStart);
        Span<byte> lenBytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(lenBytes, newLen);
        ms.Write(lenBytes);
        ms.Write("PAR1"u8);
        return ms.ToArray();
    }
}
