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
    private const string FallbackMarker = "dativo-bulk-fallback";

    /// <summary>Kinds the bulk path can produce; a job with another kind in a source column uses the row path.</summary>
    public static bool Supports(ColumnKind kind) => kind is not (ColumnKind.Time or ColumnKind.Binary);

    /// <summary>Expression over the text column <paramref name="raw"/> (and its pre-parsed <paramref name="parsed"/>, see <see cref="Parse"/>).</summary>
    public static string Value(TargetColumn col, string raw, string parsed)
    {
        var onNull = col.ContractRequired ? Fail(col, "missing required value") : "NULL";
        var (accept, value) = col.Kind switch
        {
            ColumnKind.String => ("TRUE", raw),
            ColumnKind.Long or ColumnKind.Int or ColumnKind.Date => ($"CAST({parsed} AS VARCHAR) = {raw}", parsed),
            ColumnKind.Double => ($"isfinite({parsed}) AND NOT contains({raw}, '_')", parsed),
            ColumnKind.Decimal => (DecimalShape(col, raw, parsed), parsed),
            ColumnKind.Timestamp => (PrintsBack(raw, parsed), parsed),
            ColumnKind.TimestampTz => (PrintsBack(raw, parsed), $"timezone('UTC', {parsed})"),
            ColumnKind.Uuid => ($"length({raw}) = 36 AND {parsed} IS NOT NULL", $"lower({raw})"),
            // DuckDB reads true/false/t/f/yes/no/y/n/1/0 in any case, with the same meaning: a subset of the contract's forms
            ColumnKind.Boolean => ($"{parsed} IS NOT NULL", parsed),
            _ => throw new NotSupportedException($"no bulk coercion for {col.Kind}"),
        };
        if (accept == "TRUE") return col.ContractRequired ? $"CASE WHEN {raw} IS NULL THEN {onNull} ELSE {value} END" : value;
        return $"CASE WHEN {raw} IS NULL THEN {onNull} WHEN {accept} THEN {value} ELSE {Fail(col, "not in canonical form")} END";
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

    // [sign]digits[.digits] with at most `scale` fraction digits (no exponent, underscores or rounding); more than 28
    // digits may not fit .NET's decimal: the row path decides those
    private static string DecimalShape(TargetColumn col, string raw, string parsed)
    {
        var s = col.Scale.ToString(CultureInfo.InvariantCulture);
        var shape = $"{parsed} IS NOT NULL AND NOT contains({raw}, '_') AND NOT contains({raw}, 'e') AND NOT contains({raw}, 'E') " +
            $"AND (strpos({raw}, '.') = 0 OR length({raw}) - strpos({raw}, '.') <= {s})";
        return col.Precision > 28 ? shape + $" AND length(replace(replace(replace({raw}, '-', ''), '+', ''), '.', '')) <= 28" : shape;
    }

    // a timestamp prints as "YYYY-MM-DD HH:MM:SS[.ffffff]": the raw text may use 'T' as the separator
    private static string PrintsBack(string raw, string parsed) =>
        $"CAST({parsed} AS VARCHAR) = CASE WHEN substr({raw}, 11, 1) = 'T' THEN replace({raw}, 'T', ' ') ELSE {raw} END";

    private static string Fail(TargetColumn col, string why) =>
        $"error({SqlText.Literal($"{FallbackMarker}: {col.Name}: {why}")})";
}
