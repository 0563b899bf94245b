using System.Runtime.CompilerServices;
using Dativo.Ingestion.Schema;

namespace Dativo.Ingestion.Records;

/// <summary>
/// Text cells (CSV): one typed loop per column (the parser is a struct type argument, so each loop is specialised and
/// the parse call inlined); values are parsed from their spans and strings are made for string columns only.
/// </summary>
internal sealed partial class Coercer
{
    private readonly Dictionary<int, StringCache> _stringCaches = [];

    private void CoerceText(TargetColumn col, int src, TextCells text, RawBatch raw, Array dest, int n, bool[] failed,
        List<(string Field, string? Raw)>?[]? invalid, List<(int Row, Rejection R)> errors)
    {
        if (src < 0)
        {
            if (col.ContractRequired)
                for (var r = 0; r < n; r++) Fail(col, r, null, Rejection.MissingRequired, raw, failed, invalid, errors);
            return;
        }
        if (raw.HasNul && HasNul(text, src, n))
        {
            CoerceCheckingNul(col, src, text, raw, dest, n, failed, invalid, errors);
            return;
        }
        var ctx = new CellContext(this, col, src, text, raw, n, failed, invalid, errors);
        switch (col.Kind)
        {
            case ColumnKind.String:
                if (!_stringCaches.TryGetValue(col.FieldId, out var cache)) _stringCaches[col.FieldId] = cache = new StringCache();
                Strings(ctx, (string?[])dest, cache);
                break;
            case ColumnKind.Long: Typed<long, LongCell>(ctx, (long?[])dest); break;
            case ColumnKind.Int: Typed<int, IntCell>(ctx, (int?[])dest); break;
            case ColumnKind.Double: Typed<double, DoubleCell>(ctx, (double?[])dest); break;
            case ColumnKind.Decimal: Typed<decimal, DecimalCell>(ctx, (decimal?[])dest); break;
            case ColumnKind.Boolean: Typed<bool, BoolCell>(ctx, (bool?[])dest); break;
            case ColumnKind.Date: Typed<DateOnly, DateCell>(ctx, (DateOnly?[])dest); break;
            case ColumnKind.Timestamp or ColumnKind.TimestampTz: Typed<DateTime, TimestampCell>(ctx, (DateTime?[])dest); break;
            case ColumnKind.Time: Typed<TimeSpan, TimeCell>(ctx, (TimeSpan?[])dest); break;
            case ColumnKind.Uuid: Typed<string, UuidCell>(ctx, (string?[])dest); break;
            case ColumnKind.Binary: Typed<byte[], BinaryCell>(ctx, (byte[]?[])dest); break;
        }
    }

    private static bool HasNul(TextCells text, int src, int n)
    {
        for (var r = 0; r < n; r++)
            if (!text.IsNull(src, r) && text.Cell(src, r).Contains('\0')) return true;
        return false;
    }

    /// <summary>A column with a NUL character in some cell (rare): value by value, the long way, so that no parser skips it.</summary>
    private void CoerceCheckingNul(TargetColumn col, int src, TextCells text, RawBatch raw, Array dest, int n, bool[] failed,
        List<(string Field, string? Raw)>?[]? invalid, List<(int Row, Rejection R)> errors)
    {
        for (var r = 0; r < n; r++)
        {
            if (text.IsNull(src, r))
            {
                if (col.ContractRequired) Fail(col, r, null, Rejection.MissingRequired, raw, failed, invalid, errors);
                continue;
            }
            var cell = text.Cell(src, r);
            if (Set(col, dest, r, new string(cell)) is { } reason) Fail(col, r, Truncate(cell), reason, raw, failed, invalid, errors);
        }
    }

    private readonly record struct CellContext(Coercer Owner, TargetColumn Col, int Src, TextCells Text, RawBatch Raw, int N, bool[] Failed,
        List<(string Field, string? Raw)>?[]? Invalid, List<(int Row, Rejection R)> Errors)
    {
        public void Missing(int r)
        {
            if (Col.ContractRequired) Owner.Fail(Col, r, null, Rejection.MissingRequired, Raw, Failed, Invalid, Errors);
        }

        public void Bad(int r, ReadOnlySpan<char> cell) => Owner.Fail(Col, r, Truncate(cell), Rejection.TypeMismatch, Raw, Failed, Invalid, Errors);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Typed<T, TParser>(in CellContext c, T?[] dest) where T : struct where TParser : struct, ICellParser<T>
    {
        var lengths = c.Text.Length[c.Src];
        for (var r = 0; r < c.N; r++)
        {
            if (lengths[r] < 0) { c.Missing(r); continue; }
            var cell = c.Text.Cell(c.Src, r);
            if (TParser.TryParse(cell, c.Col, out var v)) dest[r] = v;
            else c.Bad(r, cell);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Typed<T, TParser>(in CellContext c, T?[] dest) where T : class where TParser : struct, ICellParser<T>
    {
        var lengths = c.Text.Length[c.Src];
        for (var r = 0; r < c.N; r++)
        {
            if (lengths[r] < 0) { c.Missing(r); continue; }
            var cell = c.Text.Cell(c.Src, r);
            if (TParser.TryParse(cell, c.Col, out var v)) dest[r] = v;
            else c.Bad(r, cell);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strings(in CellContext c, string?[] dest, StringCache cache)
    {
        var lengths = c.Text.Length[c.Src];
        for (var r = 0; r < c.N; r++)
        {
            if (lengths[r] < 0) { c.Missing(r); continue; }
            dest[r] = cache.Get(c.Text.Cell(c.Src, r));
        }
    }

    private static string Truncate(ReadOnlySpan<char> s) => s.Length <= MaxRawLength ? new string(s) : string.Concat(s[..MaxRawLength], "…");

    private interface ICellParser<T>
    {
        static abstract bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out T value);
    }

    private readonly struct LongCell : ICellParser<long> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out long v) => ValueParser.TryLong(s, out v); }
    private readonly struct IntCell : ICellParser<int> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out int v) => ValueParser.TryInt(s, out v); }
    private readonly struct DoubleCell : ICellParser<double> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out double v) => ValueParser.TryDouble(s, out v); }
    private readonly struct DecimalCell : ICellParser<decimal> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out decimal v) => ValueParser.TryDecimal(s, col.Precision, col.Scale, out v); }
    private readonly struct BoolCell : ICellParser<bool> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out bool v) => ValueParser.TryBool(s, out v); }
    private readonly struct DateCell : ICellParser<DateOnly> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out DateOnly v) => ValueParser.TryDate(s, out v); }
    private readonly struct TimestampCell : ICellParser<DateTime> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out DateTime v) => ValueParser.TryTimestamp(s, out v); }
    private readonly struct TimeCell : ICellParser<TimeSpan> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out TimeSpan v) => ValueParser.TryTime(s, out v); }
    private readonly struct UuidCell : ICellParser<string> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out string v) => ValueParser.TryUuid(s, out v); }
    private readonly struct BinaryCell : ICellParser<byte[]> { public static bool TryParse(ReadOnlySpan<char> s, TargetColumn col, out byte[] v) => ValueParser.TryBinary(new string(s), out v); }
}
