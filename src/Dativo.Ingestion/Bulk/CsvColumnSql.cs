using System.Globalization;
using Dativo.Ingestion.Schema;
using Dativo.Lake.Engine;

namespace Dativo.Ingestion.Bulk;

/// <summary>
/// DuckDB expressions that coerce one CSV column (read as text) exactly as <see cref="Records.ValueParser"/> would, for
/// the forms both accept the same way. DuckDB's own casts are laxer (they round "12.5" to 13, read hex and "1_000",
/// roll "24:00:00" over), so a value is only taken when it is in canonical form — it prints back to the same text, or
/// passes a shape check — and any other value, or a missing required value, raises an error that sends the file to
/// the row path, which applies the full rules and records rejections with their line numbers.
/// </summary>
internal static class CsvColumnSql
{
    /// <summary>Kinds the bulk path can produce; a job with another kind in a source column uses the row path.</summary>
    public static bool Supports(ColumnKind kind) => kind is not (ColumnKind.Time or ColumnKind.Binary);

    /// <summary>Expression over the text column <paramref name="raw"/> (and its pre-parsed <paramref name="parsed"/>, see <see cref="Parse"/>).</summary>
    public static string Value(TargetColumn col, string raw, string parsed)
    {
        var onNull = col.ContractRequired ? Fail(col, "missing required value") : "NULL";
        // conditions are tried in order, each only on the values the ones before did not accept (a CASE evaluates its
        // WHENs lazily; an OR would compute both sides for every value): the cheap, common canonical form comes first
        var (accept, value) = col.Kind switch
        {
            // (a NUL character, which DuckDB keeps, is found by CsvRecordCount: the file goes to the row path)
            ColumnKind.String => ([], raw),
            ColumnKind.Long or ColumnKind.Int or ColumnKind.Date => ([PrintsBack(raw, parsed)], parsed),
            // a zero is only taken when the text has no other digit than 0 (DuckDB reads 1e-400 as 0, the row path refuses it)
            ColumnKind.Double => ([$"isfinite({parsed}) AND {parsed} <> 0 AND NOT contains({raw}, '_')",
                $"{parsed} = 0 AND NOT contains({raw}, '_') AND NOT regexp_matches({raw}, '^[^eE]*[1-9]')"], parsed),
            ColumnKind.Decimal => (Decimal(col, raw, parsed), parsed),
            ColumnKind.Timestamp => (Timestamp(raw, parsed), parsed),
            ColumnKind.TimestampTz => (Timestamp(raw, parsed), $"timezone('UTC', {parsed})"),
            ColumnKind.Uuid => ([$"length({raw}) = 36 AND {parsed} IS NOT NULL"], $"lower({raw})"),
            // DuckDB reads true/false/t/f/yes/no/y/n/1/0 in any case, with the same meaning: a subset of the contract's forms
            ColumnKind.Boolean => ([$"{parsed} IS NOT NULL"], parsed),
            _ => throw new NotSupportedException($"no bulk coercion for {col.Kind}"),
        };
        if (accept.Length == 0) return col.ContractRequired ? $"CASE WHEN {raw} IS NULL THEN {onNull} ELSE {value} END" : value;
        var whens = string.Concat(accept.Select(a => $" WHEN {a} THEN {value}"));
        return $"CASE WHEN {raw} IS NULL THEN {onNull}{whens} ELSE {Fail(col, "not in canonical form")} END";
    }

    /// <summary>The cast computed once per value in an inner query, or null when <see cref="Value"/> needs none.</summary>
    public static string? Parse(TargetColumn col, string raw) => col.Kind switch
    {
        ColumnKind.Long => $"TRY_CAST({raw} AS BIGINT)",
        ColumnKind.Int => $"TRY_CAST({raw} AS INTEGER)",
        ColumnKind.Double => $"TRY_CAST({raw} AS DOUBLE)",
        ColumnKind.Decimal => $"TRY_CAST({raw} AS DECIMAL({col.Precision},{col.Scale}))",
        ColumnKind.Date => $"TRY_CAST({raw} AS DATE)",
        ColumnKind.Timestamp or ColumnKind.TimestampTz => $"TRY_CAST({raw} AS TIMESTAMP)",
        ColumnKind.Uuid => $"TRY_CAST({raw} AS UUID)",
        ColumnKind.Boolean => $"TRY_CAST({raw} AS BOOLEAN)",
        _ => null,
    };

    private static string PrintsBack(string raw, string parsed) => $"CAST({parsed} AS VARCHAR) = {raw}";

    // DuckDB prints a decimal with all its scale digits ("0.10"): a raw value that is a prefix of that ("0.1", "0.10",
    // "0.", "0") has exactly the parsed value. Otherwise a shape check: [sign]digits[.digits] with at most `scale`
    // fraction digits (no exponent, underscores or rounding); more than 28 digits may not fit .NET's decimal, so the
    // row path decides those
    private static string[] Decimal(TargetColumn col, string raw, string parsed)
    {
        var s = col.Scale.ToString(CultureInfo.InvariantCulture);
        var shape = $"{parsed} IS NOT NULL AND NOT contains({raw}, '_') AND NOT contains({raw}, 'e') AND NOT contains({raw}, 'E') " +
            $"AND (strpos({raw}, '.') = 0 OR length({raw}) - strpos({raw}, '.') <= {s})";
        return col.Precision > 28
            ? [shape + $" AND length(replace(replace(replace({raw}, '-', ''), '+', ''), '.', '')) <= 28"]
            : [$"prefix(CAST({parsed} AS VARCHAR), {raw})", shape];
    }

    // a timestamp prints as "YYYY-MM-DD HH:MM:SS[.ffffff]"; the raw text may use 'T' as the separator
    private static string[] Timestamp(string raw, string parsed) =>
        [PrintsBack(raw, parsed), $"substr({raw}, 11, 1) = 'T' AND CAST({parsed} AS VARCHAR) = replace({raw}, 'T', ' ')"];

    private static string Fail(TargetColumn col, string why) =>
        BulkFallback.Error(col.Name, why);
}
