using System.Globalization;
using System.Text;
using System.Text.Json;
using Dativo.Core.Config.Jobs;
using Dativo.Ingestion.Schema;

namespace Dativo.Ingestion.Records;

/// <summary>
/// Converts raw source records into the target schema, column by column. Strict mode leaves rejected
/// records out of the output; warn mode keeps them with nulls where values were invalid and the raw
/// values in <see cref="TargetSchema.InvalidColumn"/>. Either way every failure becomes a <see cref="Rejection"/>.
/// </summary>
internal sealed partial class Coercer(TargetSchema schema, DateOnly ingestDate)
{
    private const int MaxRawLength = 500;

    /// <summary>Coerces <paramref name="raw"/> into <paramref name="output"/> (reset to the rows kept) and appends failures to <paramref name="rejections"/>.</summary>
    public void Coerce(RawBatch raw, ColumnBatch output, List<Rejection> rejections)
    {
        var n = raw.Count;
        var failed = new bool[n];
        List<(string Field, string? Raw)>?[]? invalid = schema.WarnMode ? new List<(string, string?)>?[n] : null;
        var map = SourceIndexes(raw.Names);
        var errors = new List<(int Row, Rejection R)>();
        rejections.AddRange(raw.Notes);

        for (var c = 0; c < schema.Columns.Count; c++)
        {
            var col = schema.Columns[c];
            if (col.Generated) { FillGenerated(col, output.Data[c], n); continue; }
            var dest = output.Data[c];
            Array.Clear(dest, 0, n);
            if (raw.Text is { } text)
            {
                CoerceText(col, map[c], text, raw, dest, n, failed, invalid, errors);
                continue;
            }
            if (raw.Typed is { } typed)
            {
                CoerceTyped(col, map[c] < 0 ? null : typed[map[c]], dest, raw, n, failed, invalid, errors);
                continue;
            }
            var src = map[c] < 0 ? null : raw.Columns[map[c]];
            for (var r = 0; r < n; r++)
            {
                var v = src?[r];
                string? reason;
                if (v is null) reason = col.ContractRequired ? Rejection.MissingRequired : null;
                else reason = Set(col, dest, r, v);
                if (reason is null) continue;
                Fail(col, r, Truncate(v), reason, raw, failed, invalid, errors);
            }
        }
        errors.Sort((a, b) => a.Row.CompareTo(b.Row));
        foreach (var e in errors) rejections.Add(e.R);

        if (schema.WarnMode)
        {
            var ic = schema.IndexOf(TargetSchema.InvalidColumn);
            var dest = (string?[])output.Data[ic];
            for (var r = 0; r < n; r++) dest[r] = invalid![r] is { } list ? InvalidJson(list) : null;
            output.Count = n;
            return;
        }
        output.Count = Compact(output, failed, n);
    }

    /// <summary>
    /// A typed source column: copied as is when its array type is the target's (decimals checked against precision and
    /// scale, int widened to long); any other pairing goes value by value through <see cref="Set"/>.
    /// </summary>
    private void CoerceTyped(TargetColumn col, Array? src, Array dest, RawBatch raw, int n, bool[] failed,
        List<(string Field, string? Raw)>?[]? invalid, List<(int Row, Rejection R)> errors)
    {
        var required = col.ContractRequired;
        switch (src)
        {
            case decimal?[] s when dest is decimal?[] d:
                for (var r = 0; r < n; r++)
                {
                    if (s[r] is not { } m) { if (required) Fail(col, r, null, Rejection.MissingRequired, raw, failed, invalid, errors); continue; }
                    var given = m;
                    if (ValueParser.FitsDecimal(ref m, col.Precision, col.Scale)) d[r] = m;
                    else Fail(col, r, Truncate(given), Rejection.OutOfRange, raw, failed, invalid, errors);
                }
                return;
            case int?[] s when dest is long?[] d:
                for (var r = 0; r < n; r++)
                {
                    if (s[r] is { } i) d[r] = i;
                    else if (required) Fail(col, r, null, Rejection.MissingRequired, raw, failed, invalid, errors);
                }
                return;
            case not null when src.GetType() == dest.GetType() && (dest is not string?[] || col.Kind == ColumnKind.String):
                Array.Copy(src, dest, n);
                if (required) CheckRequired(col, dest, raw, n, failed, invalid, errors);
                return;
        }
        for (var r = 0; r < n; r++)
        {
            var v = src?.GetValue(r);
            string? reason;
            if (v is null) reason = required ? Rejection.MissingRequired : null;
            else reason = Set(col, dest, r, v);
            if (reason is null) continue;
            Fail(col, r, Truncate(v), reason, raw, failed, invalid, errors);
        }
    }

    private void CheckRequired(TargetColumn col, Array dest, RawBatch raw, int n, bool[] failed,
        List<(string Field, string? Raw)>?[]? invalid, List<(int Row, Rejection R)> errors)
    {
        switch (dest)
        {
            case long?[] a: for (var r = 0; r < n; r++) if (!a[r].HasValue) Fail(col, r, null, Rejection.MissingRequired, raw, failed, invalid, errors); return;
            case int?[] a: for (var r = 0; r < n; r++) if (!a[r].HasValue) Fail(col, r, null, Rejection.MissingRequired, raw, failed, invalid, errors); return;
            case double?[] a: for (var r = 0; r < n; r++) if (!a[r].HasValue) Fail(col, r, null, Rejection.MissingRequired, raw, failed, invalid, errors); return;
            case string?[] a: for (var r = 0; r < n; r++) if (a[r] is null) Fail(col, r, null, Rejection.MissingRequired, raw, failed, invalid, errors); return;
            default: for (var r = 0; r < n; r++) if (dest.GetValue(r) is null) Fail(col, r, null, Rejection.MissingRequired, raw, failed, invalid, errors); return;
        }
    }

    private void Fail(TargetColumn col, int r, string? rawText, string reason, RawBatch raw, bool[] failed,
        List<(string Field, string? Raw)>?[]? invalid, List<(int Row, Rejection R)> errors)
    {
        if (!schema.WarnMode && failed[r]) return; // strict: the first failing field is reported
        failed[r] = true;
        errors.Add((r, new Rejection(raw.Source, raw.Positions[r], col.Name, reason, rawText, schema.WarnMode)));
        if (invalid is not null) (invalid[r] ??= []).Add((col.Name, rawText));
    }

    private IReadOnlyList<string>? _lastNames;
    private int[] _lastMap = [];

    private int[] SourceIndexes(IReadOnlyList<string> names)
    {
        if (ReferenceEquals(names, _lastNames)) return _lastMap;
        var map = new int[schema.Columns.Count];
        for (var c = 0; c < map.Length; c++) map[c] = SourceIndex(names, schema.Columns[c].Name);
        _lastNames = names;
        _lastMap = map;
        return map;
    }

    /// <summary>The source column feeding a target column: same name, else the same name ignoring case; the first match; -1 if none.</summary>
    public static int SourceIndex(IReadOnlyList<string> names, string name)
    {
        for (var k = 0; k < names.Count; k++) if (names[k] == name) return k;
        for (var k = 0; k < names.Count; k++) if (string.Equals(names[k], name, StringComparison.OrdinalIgnoreCase)) return k;
        return -1;
    }

    private void FillGenerated(TargetColumn col, Array dest, int n)
    {
        if (col.Name == Partitioning.IngestDate && dest is DateOnly?[] dates) Array.Fill(dates, ingestDate, 0, n);
    }

    /// <summary>Stores <paramref name="v"/> at row <paramref name="r"/>; returns the failure reason or null.</summary>
    private static string? Set(TargetColumn col, Array dest, int r, object v)
    {
        if (v is string s)
        {
            // .NET's number parsers even accept trailing NULs ("12\0" is 12)
            if (s.Contains('\0')) return Rejection.NulCharacter;
            switch (col.Kind)
            {
                case ColumnKind.String: ((string?[])dest)[r] = s; return null;
                case ColumnKind.Long: if (ValueParser.TryLong(s, out var l)) { ((long?[])dest)[r] = l; return null; } break;
                case ColumnKind.Int: if (ValueParser.TryInt(s, out var i)) { ((int?[])dest)[r] = i; return null; } break;
                case ColumnKind.Double: if (ValueParser.TryDouble(s, out var d)) { ((double?[])dest)[r] = d; return null; } break;
                case ColumnKind.Decimal: if (ValueParser.TryDecimal(s, col.Precision, col.Scale, out var m)) { ((decimal?[])dest)[r] = m; return null; } break;
                case ColumnKind.Boolean: if (ValueParser.TryBool(s, out var b)) { ((bool?[])dest)[r] = b; return null; } break;
                case ColumnKind.Date: if (ValueParser.TryDate(s, out var dt)) { ((DateOnly?[])dest)[r] = dt; return null; } break;
                case ColumnKind.Timestamp or ColumnKind.TimestampTz: if (ValueParser.TryTimestamp(s, out var ts)) { ((DateTime?[])dest)[r] = ts; return null; } break;
                case ColumnKind.Time: if (ValueParser.TryTime(s, out var t)) { ((TimeSpan?[])dest)[r] = t; return null; } break;
                case ColumnKind.Uuid: if (ValueParser.TryUuid(s, out var u)) { ((string?[])dest)[r] = u; return null; } break;
                case ColumnKind.Binary: if (ValueParser.TryBinary(s, out var bytes)) { ((byte[]?[])dest)[r] = bytes; return null; } break;
            }
            return Rejection.TypeMismatch;
        }
        return SetTyped(col, dest, r, v);
    }

    private static string? SetTyped(TargetColumn col, Array dest, int r, object v)
    {
        try
        {
            switch (col.Kind)
            {
                case ColumnKind.String: ((string?[])dest)[r] = Text(v); return null;
                case ColumnKind.Long when v is long or int or short or byte or sbyte or uint: ((long?[])dest)[r] = Convert.ToInt64(v, CultureInfo.InvariantCulture); return null;
                case ColumnKind.Long when v is decimal or double or float: return Set(col, dest, r, Text(v));
                case ColumnKind.Int when v is int or short or byte or sbyte: ((int?[])dest)[r] = Convert.ToInt32(v, CultureInfo.InvariantCulture); return null;
                case ColumnKind.Int when v is long l: if (l is < int.MinValue or > int.MaxValue) return Rejection.OutOfRange; ((int?[])dest)[r] = (int)l; return null;
                case ColumnKind.Double when v is double or float or long or int or short or decimal: ((double?[])dest)[r] = Convert.ToDouble(v, CultureInfo.InvariantCulture); return null;
                case ColumnKind.Decimal when v is decimal or long or int or short or double or float:
                    var m = Convert.ToDecimal(v, CultureInfo.InvariantCulture);
                    if (m == 0 && v is double and not 0d or float and not 0f) return Rejection.OutOfRange; // below 1e-28: no decimal holds it
                    if (!ValueParser.FitsDecimal(ref m, col.Precision, col.Scale)) return Rejection.OutOfRange;
                    ((decimal?[])dest)[r] = m; return null;
                case ColumnKind.Boolean when v is bool b: ((bool?[])dest)[r] = b; return null;
                case ColumnKind.Boolean when v is long or int or short: var n = Convert.ToInt64(v, CultureInfo.InvariantCulture); if (n is 0 or 1) { ((bool?[])dest)[r] = n == 1; return null; } return Rejection.TypeMismatch;
                case ColumnKind.Date when v is DateOnly d: ((DateOnly?[])dest)[r] = d; return null;
                case ColumnKind.Date when v is DateTime dt && dt.TimeOfDay == TimeSpan.Zero: ((DateOnly?[])dest)[r] = DateOnly.FromDateTime(dt); return null;
                case ColumnKind.Timestamp or ColumnKind.TimestampTz when v is DateTime dt2: ((DateTime?[])dest)[r] = Utc(dt2); return null;
                case ColumnKind.Timestamp or ColumnKind.TimestampTz when v is DateTimeOffset dto: ((DateTime?[])dest)[r] = dto.UtcDateTime; return null;
                case ColumnKind.Timestamp or ColumnKind.TimestampTz when v is DateOnly d2: ((DateTime?[])dest)[r] = d2.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc); return null;
                case ColumnKind.Time when v is TimeSpan t: ((TimeSpan?[])dest)[r] = t; return null;
                case ColumnKind.Time when v is TimeOnly to: ((TimeSpan?[])dest)[r] = to.ToTimeSpan(); return null;
                case ColumnKind.Uuid when v is Guid g: ((string?[])dest)[r] = g.ToString("D"); return null;
                case ColumnKind.Binary when v is byte[] bytes: ((byte[]?[])dest)[r] = bytes; return null;
                case ColumnKind.Binary: return Rejection.TypeMismatch;
            }
        }
        catch (OverflowException) { return Rejection.OutOfRange; }
        return v is bool or byte[] ? Rejection.TypeMismatch : Set(col, dest, r, Text(v));
    }

    private static DateTime Utc(DateTime dt) => dt.Kind switch
    {
        DateTimeKind.Local => dt.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(dt, DateTimeKind.Utc),
        _ => dt,
    };

    /// <summary>Invariant text of a typed value (ISO dates, round-trip numbers).</summary>
    public static string Text(object v) => v switch
    {
        string s => s,
        DateTime dt => dt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static string? Truncate(object? v)
    {
        if (v is null) return null;
        var s = Text(v);
        return s.Length <= MaxRawLength ? s : s[..MaxRawLength] + "…";
    }

    private static string InvalidJson(List<(string Field, string? Raw)> list)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var (f, raw) in list) w.WriteString(f, raw);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static int Compact(ColumnBatch output, bool[] failed, int n)
    {
        if (Array.IndexOf(failed, true, 0, n) < 0) return n;
        var kept = 0;
        for (var r = 0; r < n; r++)
        {
            if (failed[r]) continue;
            if (kept != r) foreach (var a in output.Data) Array.Copy(a, r, a, kept, 1);
            kept++;
        }
        foreach (var a in output.Data) Array.Clear(a, kept, n - kept);
        return kept;
    }
}
