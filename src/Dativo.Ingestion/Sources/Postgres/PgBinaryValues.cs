using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>Decodes one binary COPY payload (the <c>*_send</c> format of a PostgreSQL type, big-endian) into a CLR value.</summary>
internal interface IPgDecoder<T> where T : struct
{
    /// <summary>False when the payload is malformed or has no CLR value (then <see cref="Problem"/> says why).</summary>
    static abstract bool TryDecode(ReadOnlySpan<byte> v, out T value);

    static abstract string Problem(ReadOnlySpan<byte> v);
}

internal readonly struct Int2Decoder : IPgDecoder<int>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out int value)
    {
        value = v.Length == 2 ? BinaryPrimitives.ReadInt16BigEndian(v) : 0;
        return v.Length == 2;
    }

    public static string Problem(ReadOnlySpan<byte> v) => PgBinary.Size(2, v);
}

internal readonly struct Int4Decoder : IPgDecoder<int>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out int value)
    {
        value = v.Length == 4 ? BinaryPrimitives.ReadInt32BigEndian(v) : 0;
        return v.Length == 4;
    }

    public static string Problem(ReadOnlySpan<byte> v) => PgBinary.Size(4, v);
}

internal readonly struct Int8Decoder : IPgDecoder<long>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out long value)
    {
        value = v.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(v) : 0;
        return v.Length == 8;
    }

    public static string Problem(ReadOnlySpan<byte> v) => PgBinary.Size(8, v);
}

/// <summary>real, widened to double as the column array holds doubles.</summary>
internal readonly struct Float4Decoder : IPgDecoder<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out double value)
    {
        value = v.Length == 4 ? BinaryPrimitives.ReadSingleBigEndian(v) : 0;
        return v.Length == 4;
    }

    public static string Problem(ReadOnlySpan<byte> v) => PgBinary.Size(4, v);
}

internal readonly struct Float8Decoder : IPgDecoder<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out double value)
    {
        value = v.Length == 8 ? BinaryPrimitives.ReadDoubleBigEndian(v) : 0;
        return v.Length == 8;
    }

    public static string Problem(ReadOnlySpan<byte> v) => PgBinary.Size(8, v);
}

internal readonly struct BoolDecoder : IPgDecoder<bool>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out bool value)
    {
        value = v.Length == 1 && v[0] != 0;
        return v.Length == 1;
    }

    public static string Problem(ReadOnlySpan<byte> v) => PgBinary.Size(1, v);
}

/// <summary>
/// int32 days since 2000-01-01; ±infinity (int32 max/min) become <see cref="DateOnly.MaxValue"/>/<see cref="DateOnly.MinValue"/>,
/// as Npgsql maps them.
/// </summary>
internal readonly struct DateDecoder : IPgDecoder<DateOnly>
{
    private static readonly int Epoch = new DateOnly(2000, 1, 1).DayNumber;
    private static readonly int MaxDay = DateOnly.MaxValue.DayNumber;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out DateOnly value)
    {
        value = default;
        if (v.Length != 4) return false;
        var days = BinaryPrimitives.ReadInt32BigEndian(v);
        if (days == int.MaxValue) { value = DateOnly.MaxValue; return true; }
        if (days == int.MinValue) { value = DateOnly.MinValue; return true; }
        var day = (long)Epoch + days;
        if (day is < 0 || day > MaxDay) return false;
        value = DateOnly.FromDayNumber((int)day);
        return true;
    }

    public static string Problem(ReadOnlySpan<byte> v) =>
        v.Length != 4 ? PgBinary.Size(4, v) : $"date outside years 1–9999 ({BinaryPrimitives.ReadInt32BigEndian(v)} days from 2000-01-01)";
}

/// <summary>
/// int64 microseconds since 2000-01-01 (UTC for timestamptz; wall time for timestamp, kept as UTC like the rest of
/// Dativo); ±infinity (int64 max/min) become <see cref="DateTime.MaxValue"/>/<see cref="DateTime.MinValue"/>, as Npgsql maps them.
/// </summary>
internal readonly struct TimestampDecoder : IPgDecoder<DateTime>
{
    private const long EpochTicks = 630_822_816_000_000_000L; // 2000-01-01T00:00:00
    private const long MaxMicros = (3_155_378_975_999_999_999L - EpochTicks) / 10; // DateTime.MaxValue
    private const long MinMicros = -EpochTicks / 10;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out DateTime value)
    {
        value = default;
        if (v.Length != 8) return false;
        var us = BinaryPrimitives.ReadInt64BigEndian(v);
        if (us is >= MinMicros and <= MaxMicros) { value = new DateTime(EpochTicks + us * 10, DateTimeKind.Utc); return true; }
        if (us == long.MaxValue) { value = DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc); return true; }
        if (us == long.MinValue) { value = DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc); return true; }
        return false;
    }

    public static string Problem(ReadOnlySpan<byte> v) =>
        v.Length != 8 ? PgBinary.Size(8, v) : $"timestamp outside years 1–9999 ({BinaryPrimitives.ReadInt64BigEndian(v)} µs from 2000-01-01)";
}

/// <summary>time without time zone: int64 microseconds since midnight.</summary>
internal readonly struct TimeDecoder : IPgDecoder<TimeSpan>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out TimeSpan value)
    {
        value = v.Length == 8 ? new TimeSpan(BinaryPrimitives.ReadInt64BigEndian(v) * 10) : default;
        return v.Length == 8;
    }

    public static string Problem(ReadOnlySpan<byte> v) => PgBinary.Size(8, v);
}

/// <summary>uuid: the 16 bytes in RFC 4122 (big-endian) order.</summary>
internal readonly struct UuidDecoder : IPgDecoder<Guid>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> v, out Guid value)
    {
        value = v.Length == 16 ? new Guid(v, bigEndian: true) : default;
        return v.Length == 16;
    }

    public static string Problem(ReadOnlySpan<byte> v) => PgBinary.Size(16, v);
}

internal static class PgBinary
{
    public static string Size(int expected, ReadOnlySpan<byte> v) => $"expected a {expected}-byte value, got {v.Length} bytes";
}
