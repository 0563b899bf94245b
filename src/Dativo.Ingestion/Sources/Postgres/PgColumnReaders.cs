using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using Dativo.Ingestion.Records;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>Decodes one column's binary COPY payloads into a typed array, reused batch after batch.</summary>
internal abstract class PgColumnReader(PgColumn column)
{
    public PgColumn Column { get; } = column;

    public abstract Array Data { get; }

    /// <summary>Stores the (non-null) payload <paramref name="v"/> at row <paramref name="row"/>; throws <see cref="PgValueException"/> when it has no value.</summary>
    public abstract void Read(ReadOnlySpan<byte> v, int row);

    public abstract void SetNull(int row);
}

/// <summary>A payload of <see cref="Column"/> that has no CLR value (NaN numeric, a date past year 9999, a malformed value).</summary>
internal sealed class PgValueException(PgColumn column, string problem) : Exception(problem)
{
    public PgColumn Column { get; } = column;

    [DoesNotReturn]
    public static void Throw(PgColumn column, string problem) => throw new PgValueException(column, problem);
}

internal sealed class PgValueReader<T, TDecoder>(PgColumn column, int capacity) : PgColumnReader(column)
    where T : struct where TDecoder : struct, IPgDecoder<T>
{
    private readonly T?[] _data = new T?[capacity];

    public override Array Data => _data;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Read(ReadOnlySpan<byte> v, int row)
    {
        if (!TDecoder.TryDecode(v, out var value)) PgValueException.Throw(Column, TDecoder.Problem(v));
        _data[row] = value;
    }

    public override void SetNull(int row) => _data[row] = null;
}

/// <summary>text and everything selected as text: UTF-8 (the connection's client encoding); short repeated values share one string.</summary>
internal sealed class PgTextReader(PgColumn column, int capacity) : PgColumnReader(column)
{
    private const int Cached = 64;
    private readonly string?[] _data = new string?[capacity];
    private readonly StringCache _cache = new();
    private readonly char[] _chars = new char[Cached];

    public override Array Data => _data;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Read(ReadOnlySpan<byte> v, int row)
    {
        // at most one char per byte, so a value of ≤ 64 bytes decodes into the buffer the cache compares against
        _data[row] = v.Length <= Cached ? _cache.Get(_chars.AsSpan(0, Encoding.UTF8.GetChars(v, _chars))) : Encoding.UTF8.GetString(v);
    }

    public override void SetNull(int row) => _data[row] = null;
}

internal sealed class PgBytesReader(PgColumn column, int capacity) : PgColumnReader(column)
{
    private readonly byte[]?[] _data = new byte[]?[capacity];

    public override Array Data => _data;

    public override void Read(ReadOnlySpan<byte> v, int row) => _data[row] = v.ToArray();

    public override void SetNull(int row) => _data[row] = null;
}
