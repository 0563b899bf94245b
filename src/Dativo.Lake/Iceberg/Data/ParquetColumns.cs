using System.Buffers;
using System.Runtime.CompilerServices;
using Dativo.Lake.Iceberg.Types;
using ParquetSharp;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>
/// Writes one batch column through parquet-cpp's physical column writers. Values are converted chunk by chunk into
/// pooled buffers (no allocation per value); optional columns get definition levels (1 = value, 0 = null).
/// The loops are compiled optimised at once (AggressiveOptimization): a run writes only a few dozen row groups, too
/// few calls for tiered compilation to reach its optimised code in time.
/// </summary>
internal static partial class ParquetColumns
{
    private const int Chunk = 64 * 1024;

    public static void Write(ColumnWriter writer, PrimitiveType type, bool optional, Array column)
    {
        switch (column)
        {
            case bool[] a: Plain((ColumnWriter<bool>)writer, a, optional); break;
            case bool?[] a: Values<bool, bool, Nullables<bool>, Same<bool>>((ColumnWriter<bool>)writer, new(a), optional, default); break;
            case float[] a: Plain((ColumnWriter<float>)writer, a, optional); break;
            case float?[] a: Values<float, float, Nullables<float>, Same<float>>((ColumnWriter<float>)writer, new(a), optional, default); break;
            case double[] a: Plain((ColumnWriter<double>)writer, a, optional); break;
            case double?[] a: Values<double, double, Nullables<double>, Same<double>>((ColumnWriter<double>)writer, new(a), optional, default); break;
            case int[] a: Plain((ColumnWriter<int>)writer, a, optional); break;
            case int?[] a: Values<int, int, Nullables<int>, Same<int>>((ColumnWriter<int>)writer, new(a), optional, default); break;
            case long[] a: Plain((ColumnWriter<long>)writer, a, optional); break;
            case long?[] a: Values<long, long, Nullables<long>, Same<long>>((ColumnWriter<long>)writer, new(a), optional, default); break;
            case DateOnly[] a: Values<DateOnly, int, Dense<DateOnly>, Days>((ColumnWriter<int>)writer, new(a), optional, default); break;
            case DateOnly?[] a: Values<DateOnly, int, Nullables<DateOnly>, Days>((ColumnWriter<int>)writer, new(a), optional, default); break;
            case TimeOnly[] a: Values<TimeOnly, long, Dense<TimeOnly>, TimeMicros>((ColumnWriter<long>)writer, new(a), optional, default); break;
            case TimeOnly?[] a: Values<TimeOnly, long, Nullables<TimeOnly>, TimeMicros>((ColumnWriter<long>)writer, new(a), optional, default); break;
            case DateTime[] a: Values<DateTime, long, Dense<DateTime>, Micros>((ColumnWriter<long>)writer, new(a), optional, default); break;
            case DateTime?[] a: Values<DateTime, long, Nullables<DateTime>, Micros>((ColumnWriter<long>)writer, new(a), optional, default); break;
            case Guid[] a: Fixed<Guid, Dense<Guid>, UuidBytes>((ColumnWriter<FixedLenByteArray>)writer, new(a), optional, 16, default); break;
            case Guid?[] a: Fixed<Guid, Nullables<Guid>, UuidBytes>((ColumnWriter<FixedLenByteArray>)writer, new(a), optional, 16, default); break;
            case decimal[] a: Decimals<Dense<decimal>>(writer, type, new(a), optional); break;
            case decimal?[] a: Decimals<Nullables<decimal>>(writer, type, new(a), optional); break;
            case string?[] a: Bytes<string, Refs<string>, Utf8>((ColumnWriter<ByteArray>)writer, new(a), optional, default); break;
            case byte[]?[] a when type.Id == TypeId.Fixed:
                Fixed<byte[], Refs<byte[]>, FixedBytes>((ColumnWriter<FixedLenByteArray>)writer, new(a), optional, type.Length, new(type.Length)); break;
            case byte[]?[] a: Bytes<byte[], Refs<byte[]>, RawBytes>((ColumnWriter<ByteArray>)writer, new(a), optional, default); break;
            default: throw new NotSupportedException($"cannot write {column.GetType()} to Parquet");
        }
    }

    private static void Decimals<TSrc>(ColumnWriter writer, PrimitiveType type, TSrc src, bool optional) where TSrc : struct, ISource<decimal>
    {
        var unscaled = new Unscaled(type.Precision, type.Scale);
        switch (writer)
        {
            case ColumnWriter<int> w: Values<decimal, int, TSrc, DecimalInt>(w, src, optional, new(unscaled)); break;
            case ColumnWriter<long> w: Values<decimal, long, TSrc, DecimalLong>(w, src, optional, new(unscaled)); break;
            case ColumnWriter<FixedLenByteArray> w:
                var width = ParquetSchemas.DecimalBytes(type.Precision);
                Fixed<decimal, TSrc, DecimalBytes>(w, src, optional, width, new(unscaled, width));
                break;
            default: throw new NotSupportedException($"decimal column stored as {writer.Type}");
        }
    }

    /// <summary>A column whose array already holds the physical values: written straight from the array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Plain<T>(ColumnWriter<T> w, T[] values, bool optional) where T : unmanaged
    {
        var defs = optional ? Ones(Math.Min(Chunk, values.Length)) : null;
        try
        {
            for (var start = 0; start < values.Length; start += Chunk)
            {
                var n = Math.Min(Chunk, values.Length - start);
                w.WriteBatch(n, defs is null ? default : defs.AsSpan(0, n), default, values.AsSpan(start, n));
            }
        }
        finally
        {
            if (defs is not null) ArrayPool<short>.Shared.Return(defs);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Values<TIn, TOut, TSrc, TConv>(ColumnWriter<TOut> w, TSrc src, bool optional, TConv conv)
        where TOut : unmanaged where TSrc : struct, ISource<TIn> where TConv : struct, IConvert<TIn, TOut>
    {
        var size = Math.Min(Chunk, src.Length);
        var values = ArrayPool<TOut>.Shared.Rent(size);
        var defs = optional ? ArrayPool<short>.Shared.Rent(size) : null;
        try
        {
            for (var start = 0; start < src.Length; start += Chunk)
            {
                var n = Math.Min(Chunk, src.Length - start);
                var count = 0;
                for (var i = 0; i < n; i++)
                {
                    var has = src.TryGet(start + i, out var v);
                    if (has) values[count++] = conv.To(v);
                    SetLevel(defs, i, has);
                }
                w.WriteBatch(n, defs is null ? default : defs.AsSpan(0, n), default, values.AsSpan(0, count));
            }
        }
        finally
        {
            ArrayPool<TOut>.Shared.Return(values);
            if (defs is not null) ArrayPool<short>.Shared.Return(defs);
        }
    }

    /// <summary>FIXED_LEN_BYTE_ARRAY values encoded into one pinned buffer per chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Fixed<TIn, TSrc, TEnc>(ColumnWriter<FixedLenByteArray> w, TSrc src, bool optional, int width, TEnc enc)
        where TSrc : struct, ISource<TIn> where TEnc : struct, IEncode<TIn>
    {
        var size = Math.Min(Chunk, src.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(1, size * width));
        var values = ArrayPool<FixedLenByteArray>.Shared.Rent(size);
        var defs = optional ? ArrayPool<short>.Shared.Rent(size) : null;
        try
        {
            for (var start = 0; start < src.Length; start += Chunk)
            {
                var n = Math.Min(Chunk, src.Length - start);
                var count = 0;
                for (var i = 0; i < n; i++)
                {
                    var has = src.TryGet(start + i, out var v);
                    if (has) enc.Encode(v, bytes.AsSpan(count++ * width, width));
                    SetLevel(defs, i, has);
                }
                fixed (byte* p = bytes)
                {
                    for (var k = 0; k < count; k++) values[k] = new FixedLenByteArray((IntPtr)(p + (k * width)));
                    w.WriteBatch(n, defs is null ? default : defs.AsSpan(0, n), default, values.AsSpan(0, count));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<FixedLenByteArray>.Shared.Return(values);
            if (defs is not null) ArrayPool<short>.Shared.Return(defs);
        }
    }

    /// <summary>
    /// BYTE_ARRAY values encoded into one pinned buffer; a batch is written when the chunk is full or the buffer cannot
    /// take the next value. A value that is the same object as the previous one points at the same bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Bytes<TIn, TSrc, TEnc>(ColumnWriter<ByteArray> w, TSrc src, bool optional, TEnc enc)
        where TIn : class where TSrc : struct, ISource<TIn> where TEnc : struct, IEncode<TIn>, IVariableLength<TIn>
    {
        var size = Math.Min(Chunk, src.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(1 << 20);
        var offsets = ArrayPool<int>.Shared.Rent(size);
        var values = ArrayPool<ByteArray>.Shared.Rent(size);
        var defs = optional ? ArrayPool<short>.Shared.Rent(size) : null;
        try
        {
            var start = 0;
            while (start < src.Length)
            {
                var limit = Math.Min(Chunk, src.Length - start);
                int n = 0, count = 0, used = 0;
                TIn? last = null;
                var lastAt = 0;
                for (; n < limit; n++)
                {
                    if (!src.TryGet(start + n, out var v))
                    {
                        SetLevel(defs, n, false);
                        continue;
                    }
                    if (!ReferenceEquals(v, last))
                    {
                        var max = enc.MaxLength(v);
                        if (bytes.Length - used < max)
                        {
                            if (count > 0) break; // write what the buffer holds, go on with this value
                            ArrayPool<byte>.Shared.Return(bytes);
                            bytes = ArrayPool<byte>.Shared.Rent(max);
                        }
                        lastAt = used;
                        used += enc.Encode(v, bytes.AsSpan(used));
                        last = v;
                    }
                    offsets[count] = lastAt;
                    values[count++] = new ByteArray(IntPtr.Zero, used - lastAt); // pointer set below, once the buffer is pinned
                    SetLevel(defs, n, true);
                }
                fixed (byte* p = bytes)
                {
                    for (var k = 0; k < count; k++) values[k] = new ByteArray((IntPtr)(p + offsets[k]), values[k].Length);
                    w.WriteBatch(n, defs is null ? default : defs.AsSpan(0, n), default, values.AsSpan(0, count));
                }
                start += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<ByteArray>.Shared.Return(values);
            if (defs is not null) ArrayPool<short>.Shared.Return(defs);
        }
    }

    private static void SetLevel(short[]? defs, int i, bool has)
    {
        if (defs is not null) defs[i] = has ? (short)1 : (short)0;
        else if (!has) throw new Core.Errors.DativoException("a required column has a null value");
    }

    private static short[] Ones(int n)
    {
        var a = ArrayPool<short>.Shared.Rent(Math.Max(1, n));
        a.AsSpan().Fill(1);
        return a;
    }
}
