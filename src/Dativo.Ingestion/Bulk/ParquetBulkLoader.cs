using System.Globalization;
using System.Text.RegularExpressions;
using Dativo.Core.Config.Jobs;
using Dativo.Ingestion.Schema;
using Dativo.Ingestion.Sources.Files;
using Dativo.Ingestion.Targets;
using Dativo.Lake.Engine;

namespace Dativo.Ingestion.Bulk;

/// <summary>
/// The bulk path for local Parquet files into a local Iceberg table: when every contract column's source column
/// already has the contract's type (or one that widens to it exactly: a smaller integer, FLOAT to DOUBLE, a decimal
/// with no more integer or fraction digits), the row path would only copy the values, so DuckDB copies them straight
/// into the table's data files. A file with any other type pairing (a text column for a number, a BIGINT for an int,
/// nanosecond timestamps, …), or a null in a required column, goes to the row path, which converts and quarantines.
/// </summary>
internal sealed partial class ParquetBulkLoader(LoadedJob job, IcebergTarget target, DateOnly ingestDate)
{
    private readonly Records.SourceColumns _columns = new(job);

    public static bool Applies(ITableTarget target) =>
        target is IcebergTarget && target.Schema.Columns.All(c => c.Generated || Copies(c, null));

    public async Task<BulkAttempt> TryLoadAsync(DuckDbEngine engine, SourceFileRef file, CancellationToken ct)
    {
        var source = SqlText.Literal(file.Path);
        var described = await engine.QueryAsync($"DESCRIBE SELECT * FROM read_parquet({source})", ct: ct).ConfigureAwait(false);
        var names = described.Rows.Select(r => (string)r[0]!).ToList();
        var types = described.Rows.Select(r => (string)r[1]!).ToList();
        // the same checks as the row path, with the same errors; its warnings (warn mode) are recorded there
        if (_columns.Check(names, file.Path, "columns", 0).Count > 0) return new(null, "a contract column is missing from the file");
        var select = new List<string>();
        foreach (var col in target.Schema.Columns.Where(c => !c.Generated))
        {
            var src = Records.Coercer.SourceIndex(names, col.Name);
            if (src < 0)
            {
                if (col.ContractRequired) return new(null, $"required column {col.Name} is missing");
                select.Add($"NULL AS {SqlText.Identifier(col.Name)}");
                continue;
            }
            if (!Copies(col, types[src])) return new(null, $"column {col.Name} is {types[src]}: the row path converts it");
            var raw = SqlText.Identifier(names[src]);
            var onNull = col.ContractRequired ? $"WHEN {raw} IS NULL THEN {BulkFallback.Error(col.Name, "missing required value")} " : "";
            // a NUL character is refused by the row path: the file goes there
            var onNul = col.Kind == ColumnKind.String ? $"WHEN contains({raw}, chr(0)) THEN {BulkFallback.Error(col.Name, "NUL character")} " : "";
            select.Add(onNull.Length + onNul.Length == 0 ? $"{raw} AS {SqlText.Identifier(col.Name)}"
                : $"CASE {onNull}{onNul}ELSE {raw} END AS {SqlText.Identifier(col.Name)}");
        }
        return await BulkWrite.FileAsync(engine, target, file, $"SELECT {string.Join(", ", select)} FROM read_parquet({source})", ingestDate, ct).ConfigureAwait(false);
    }

    /// <summary>Whether a source column of DuckDB type <paramref name="type"/> holds exactly the values the row path would store (null: the kind can be copied from some type).</summary>
    private static bool Copies(TargetColumn col, string? type) => col.Kind switch
    {
        ColumnKind.String => type is null or "VARCHAR",
        ColumnKind.Long => type is null or "BIGINT" or "INTEGER" or "SMALLINT" or "TINYINT" or "UINTEGER" or "USMALLINT" or "UTINYINT",
        ColumnKind.Int => type is null or "INTEGER" or "SMALLINT" or "TINYINT" or "USMALLINT" or "UTINYINT",
        ColumnKind.Double => type is null or "DOUBLE" or "FLOAT",
        ColumnKind.Boolean => type is null or "BOOLEAN",
        ColumnKind.Date => type is null or "DATE",
        ColumnKind.Timestamp => type is null or "TIMESTAMP",
        ColumnKind.Decimal => type is null || FitsDecimal(type, col),
        _ => false,
    };

    // DECIMAL(p,s) into DECIMAL(P,S): no more fraction digits and no more integer digits (and .NET's 28 digits)
    private static bool FitsDecimal(string type, TargetColumn col)
    {
        var m = DecimalType().Match(type);
        if (!m.Success) return false;
        var p = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var s = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return p <= 28 && s <= col.Scale && p - s <= col.Precision - col.Scale;
    }

    [GeneratedRegex(@"^DECIMAL\((\d+),(\d+)\)$")]
    private static partial Regex DecimalType();
}
