using System.Buffers;
using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Types;
using ParquetSharp;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>
/// Copies one column chunk of another writer's file into a column of the lake's own schema, value by value at the
/// physical level (no conversion to .NET values): an optional column becomes required (a null there is an error),
/// a decimal stored in more bytes than the spec's minimum is narrowed, a fixed stored as binary becomes fixed.
/// </summary>
internal static class ParquetColumnCopy
{
    private const int Chunk = 64 * 1024;

    public static void Copy(ColumnReader reader, ColumnWriter writer, NestedField field)
    {
        var from = reader.ColumnDescriptor;
        var to = writer.ColumnDescriptor;
        var c = new Levels(field, from.MaxDefinitionLevel > 0, to.MaxDefinitionLevel > 0);
        switch (reader, writer)
        {
            case (ColumnReader<bool> r, ColumnWriter<bool> w): Same(r, w, c); break;
            case (ColumnReader<int> r, ColumnWriter<int> w): Same(r, w, c); break;
            case (ColumnReader<long> r, ColumnWriter<long> w): Same(r, w, c); break;
            case (ColumnReader<float> r, ColumnWriter<float> w): Same(r, w, c); break;
            case (ColumnReader<double> r, ColumnWriter<double> w): Same(r, w, c); break;
            case (ColumnReader<ByteArray> r, ColumnWriter<ByteArray> w): Same(r, w, c); break;
            case (ColumnReader<FixedLenByteArray> r, ColumnWriter<FixedLenByteArray> w) when from.TypeLength == to.TypeLength: Same(r, w, c); break;
            case (ColumnReader<FixedLenByteArray> r, ColumnWriter<FixedLenByteArray> w) when from.TypeLength > to.TypeLength && field.Type.Id == TypeId.Decimal:
                NarrowDecimals(r, w, c, from.TypeLength, to.TypeLength); break;
            case (ColumnReader<ByteArray> r, ColumnWriter<FixedLenByteArray> w): ToFixed(r, w, c, to.TypeLength); break;
            default: throw new DativoException($"column '{field.Name}': a {from.PhysicalType} column cannot be rewritten as {to.PhysicalType}");
        }
    }

    /// <summary>How definition levels pass from the source column to the target column.</summary>
    private readonly struct Levels(NestedField column, bool sourceOptional, bool targetOptional)
    {
        public NestedField Field => column;

        /// <summary>Levels to write for a batch of <paramref name="levels"/> rows of which <paramref name="values"/> have a value.</summary>
        public ReadOnlySpan<short> For(short[] defs, long levels, long values)
        {
            if (!targetOptional)
            {
                if (values != levels) throw new DativoException($"column '{column.Name}' is required but the data has nulls in it");
                return default;
            }
            if (!sourceOptional) defs.AsSpan(0, (int)levels).Fill(1);
            return defs.AsSpan(0, (int)levels);
        }
    }

    private static void Same<T>(ColumnReader<T> r, ColumnWriter<T> w, Levels c) where T : unmanaged
    {
        var defs = ArrayPool<short>.Shared.Rent(Chunk);
        var values = ArrayPool<T>.Shared.Rent(Chunk);
        try
        {
            while (r.HasNext)
            {
                var levels = r.ReadBatch(Chunk, defs, default, values, out var read);
                // values of a byte array batch point into the reader's buffers: written before the next read
                w.WriteBatch((int)levels, c.For(defs, levels, read), default, values.AsSpan(0, (int)read));
            }
        }
        finally
        {
            ArrayPool<short>.Shared.Return(defs);
            ArrayPool<T>.Shared.Return(values);
        }
    }

    /// <summary>Big-endian two's complement in <paramref name="fromWidth"/> bytes → the same number in <paramref name="toWidth"/>.</summary>
    private static unsafe void NarrowDecimals(ColumnReader<FixedLenByteArray> r, ColumnWriter<FixedLenByteArray> w, Levels c, int fromWidth, int toWidth) =>
        Rewrite(r, w, c, toWidth, (src, dest, field) =>
        {
            var value = new ReadOnlySpan<byte>((void*)src.Pointer, fromWidth);
            var sign = (value[fromWidth - toWidth] & 0x80) != 0 ? (byte)0xff : (byte)0;
            if (value[..(fromWidth - toWidth)].ContainsAnyExcept(sign))
                throw new DativoException($"column '{field.Name}': a value does not fit {field.Type}");
            value[(fromWidth - toWidth)..].CopyTo(dest);
        });

    private static unsafe void ToFixed(ColumnReader<ByteArray> r, ColumnWriter<FixedLenByteArray> w, Levels c, int width) =>
        Rewrite(r, w, c, width, (src, dest, field) =>
        {
            if (src.Length != width) throw new DativoException($"column '{field.Name}': a value of {src.Length} bytes does not fit {field.Type}");
            new ReadOnlySpan<byte>((void*)src.Pointer, width).CopyTo(dest);
        });

    private delegate void Encode<in TIn>(TIn source, Span<byte> dest, NestedField field);

    private static unsafe void Rewrite<TIn>(ColumnReader<TIn> r, ColumnWriter<FixedLenByteArray> w, Levels c, int width, Encode<TIn> encode)
        where TIn : unmanaged
    {
        var defs = ArrayPool<short>.Shared.Rent(Chunk);
        var source = ArrayPool<TIn>.Shared.Rent(Chunk);
        var bytes = ArrayPool<byte>.Shared.Rent(Chunk * width);
        var values = ArrayPool<FixedLenByteArray>.Shared.Rent(Chunk);
        try
        {
            while (r.HasNext)
            {
                var levels = r.ReadBatch(Chunk, defs, default, source, out var read);
                for (var i = 0; i < read; i++) encode(source[i], bytes.AsSpan(i * width, width), c.Field);
                fixed (byte* p = bytes)
                {
                    for (var i = 0; i < read; i++) values[i] = new FixedLenByteArray((IntPtr)(p + (i * width)));
                    w.WriteBatch((int)levels, c.For(defs, levels, read), default, values.AsSpan(0, (int)read));
                }
            }
        }
        finally
        {
            ArrayPool<short>.Shared.Return(defs);
            ArrayPool<TIn>.Shared.Return(source);
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<FixedLenByteArray>.Shared.Return(values);
        }
    }
}
