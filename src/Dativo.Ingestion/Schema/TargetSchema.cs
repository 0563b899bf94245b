using Dativo.Core.Config.Jobs;
using Dativo.Core.Contracts;
using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Ingestion.Schema;

/// <summary>
/// The table schema a job writes, derived from its contract: contract fields in order with field ids
/// 1..n, then <c>ingest_date</c> when the job partitions by it, then (warn mode only)
/// <c>_dativo_invalid</c>, a JSON object of the raw values that failed coercion.
/// In warn mode every column is optional, because a kept record may hold a null where its value was invalid.
/// </summary>
internal sealed class TargetSchema
{
    public const string InvalidColumn = "_dativo_invalid";
    public const int DefaultDecimalPrecision = 38;
    public const int DefaultDecimalScale = 9;

    public TargetSchema(IReadOnlyList<TargetColumn> columns, bool warnMode)
    {
        Columns = columns;
        WarnMode = warnMode;
        for (var i = 0; i < columns.Count; i++) _index[columns[i].Name] = i;
    }

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public IReadOnlyList<TargetColumn> Columns { get; }

    public bool WarnMode { get; }

    public int IndexOf(string name) => _index.GetValueOrDefault(name, -1);

    public static TargetSchema For(LoadedJob job)
    {
        var warn = string.Equals(job.Config.SchemaValidationMode, "warn", StringComparison.OrdinalIgnoreCase);
        var cols = new List<TargetColumn>();
        var id = 1;
        foreach (var f in job.Contract.Fields)
            cols.Add(FromField(id++, f, warn));
        if (job.Partitioning.Any(p => p.Trim() == Partitioning.IngestDate) && job.Contract.Field(Partitioning.IngestDate) is null)
            cols.Add(new TargetColumn(id++, Partitioning.IngestDate, ColumnKind.Date, !warn) { Generated = true });
        if (warn)
            cols.Add(new TargetColumn(id, InvalidColumn, ColumnKind.String, false) { Generated = true });
        return new TargetSchema(cols, warn);
    }

    /// <summary>The schema of a contract written without a job (delivery streams): its fields in order, strict mode.</summary>
    public static TargetSchema ForContract(DataContract contract) =>
        new([.. contract.Fields.Select((f, i) => FromField(i + 1, f, warn: false))], warnMode: false);

    public static TargetColumn FromField(int id, ContractField f, bool warn)
    {
        var kind = f.Type switch
        {
            "string" => ColumnKind.String,
            "long" => ColumnKind.Long,
            "int" => ColumnKind.Int,
            "double" => ColumnKind.Double,
            "decimal" => ColumnKind.Decimal,
            "boolean" => ColumnKind.Boolean,
            "date" => ColumnKind.Date,
            "timestamp" => ColumnKind.Timestamp,
            "timestamptz" => ColumnKind.TimestampTz,
            "time" => ColumnKind.Time,
            "binary" => ColumnKind.Binary,
            "uuid" => ColumnKind.Uuid,
            _ => throw new DativoException($"line {f.Line}: field '{f.Name}' has type '{f.Type}', which ingestion cannot store"),
        };
        if (kind != ColumnKind.Decimal) return new TargetColumn(id, f.Name, kind, f.Required && !warn) { ContractRequired = f.Required };
        var precision = f.Precision ?? DefaultDecimalPrecision;
        var scale = f.Scale ?? (f.Precision is null ? DefaultDecimalScale : 0);
        if (precision is < 1 or > 38 || scale < 0 || scale > precision)
            throw new DativoException($"field '{f.Name}': decimal({precision}, {scale}) is invalid: precision must be 1..38 and scale 0..precision");
        return new TargetColumn(id, f.Name, kind, f.Required && !warn, precision, scale) { ContractRequired = f.Required };
    }

    /// <summary>The Iceberg schema (schema id 0) with the same field ids.</summary>
    public IcebergSchema ToIceberg() => new(0, [.. Columns.Select(c => new NestedField(c.FieldId, c.Name, c.Required, IcebergTypeOf(c)))]);

    public static IcebergType IcebergTypeOf(TargetColumn c) => c.Kind switch
    {
        ColumnKind.String or ColumnKind.Uuid => IcebergType.String,
        ColumnKind.Long => IcebergType.Long,
        ColumnKind.Int => IcebergType.Int,
        ColumnKind.Double => IcebergType.Double,
        ColumnKind.Decimal => IcebergType.Decimal(c.Precision, c.Scale),
        ColumnKind.Boolean => IcebergType.Boolean,
        ColumnKind.Date => IcebergType.Date,
        ColumnKind.Timestamp => IcebergType.Timestamp,
        ColumnKind.TimestampTz => IcebergType.TimestampTz,
        ColumnKind.Time => IcebergType.Time,
        ColumnKind.Binary => IcebergType.Binary,
        _ => IcebergType.String,
    };
}
