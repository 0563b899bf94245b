namespace Dativo.Ingestion.Schema;

/// <summary>The storage kind of a column: one per normalised contract type.</summary>
internal enum ColumnKind
{
    String, Long, Int, Double, Decimal, Boolean, Date, Timestamp, TimestampTz, Time, Binary, Uuid,
}
