using Dativo.Lake.Iceberg.Types;
using Parquet.Schema;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Parquet columns for Iceberg primitive columns (spec Appendix A, Parquet), each carrying the Iceberg field id.</summary>
internal static class ParquetSchemas
{
    public static DataField Field(NestedField f)
    {
        var p = (PrimitiveType)f.Type;
        var nullable = !f.Required;
        DataField field = p.Id switch
        {
            TypeId.Boolean => new DataField(f.Name, typeof(bool), nullable),
            TypeId.Int => new DataField(f.Name, typeof(int), nullable),
            TypeId.Long => new DataField(f.Name, typeof(long), nullable),
            TypeId.Float => new DataField(f.Name, typeof(float), nullable),
            TypeId.Double => new DataField(f.Name, typeof(double), nullable),
            TypeId.Decimal => new DecimalDataField(f.Name, p.Precision, p.Scale, forceByteArrayEncoding: false, isNullable: nullable),
            TypeId.Date => new DataField(f.Name, typeof(DateOnly), nullable),
            TypeId.Time => new TimeDataField(f.Name, TimeUnitPrecision.Micros, isNullable: nullable) { IsAdjustedToUtc = false },
            TypeId.Timestamp => new DateTimeDataField(f.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, unit: DateTimeTimeUnit.Micros, isNullable: nullable),
            TypeId.TimestampTz => new DateTimeDataField(f.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: nullable),
            TypeId.Uuid => new DataField(f.Name, typeof(Guid), nullable),
            TypeId.String => new DataField(f.Name, typeof(string), nullable),
            TypeId.Binary or TypeId.Fixed => new DataField(f.Name, typeof(byte[]), nullable),
            _ => throw new Core.Errors.DativoException($"column '{f.Name}': writing {p} is not supported"),
        };
        field.FieldId = f.Id;
        return field;
    }
}
