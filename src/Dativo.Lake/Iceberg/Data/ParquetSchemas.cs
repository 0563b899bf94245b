using Dativo.Lake.Iceberg.Types;
using ParquetSharp;
using ParquetSharp.Schema;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Parquet columns for Iceberg primitive columns (spec Appendix A, Parquet), each carrying the Iceberg field id.</summary>
internal static class ParquetSchemas
{
    /// <summary>The file schema: one column per top-level field. The caller disposes it once the writer holds it.</summary>
    public static GroupNode Schema(IcebergSchema schema)
    {
        var columns = schema.Columns.Select(Column).ToArray();
        try
        {
            return new GroupNode("table", Repetition.Required, columns);
        }
        finally
        {
            foreach (var c in columns) c.Dispose();
        }
    }

    public static PrimitiveNode Column(NestedField f)
    {
        var p = (PrimitiveType)f.Type;
        var (physical, length) = Physical(p);
        using var logical = p.Id switch
        {
            TypeId.Decimal => LogicalType.Decimal(p.Precision, p.Scale),
            TypeId.Date => LogicalType.Date(),
            TypeId.Time => LogicalType.Time(isAdjustedToUtc: false, TimeUnit.Micros),
            TypeId.Timestamp => LogicalType.Timestamp(isAdjustedToUtc: false, TimeUnit.Micros),
            TypeId.TimestampTz => LogicalType.Timestamp(isAdjustedToUtc: true, TimeUnit.Micros),
            TypeId.String => LogicalType.String(),
            TypeId.Uuid => LogicalType.Uuid(),
            _ => LogicalType.None(),
        };
        return new PrimitiveNode(f.Name, f.Required ? Repetition.Required : Repetition.Optional, logical, physical, length, f.Id);
    }

    /// <summary>Physical type and fixed length (-1 when not fixed) of an Iceberg type.</summary>
    public static (PhysicalType Type, int Length) Physical(PrimitiveType p) => p.Id switch
    {
        TypeId.Boolean => (PhysicalType.Boolean, -1),
        TypeId.Int or TypeId.Date => (PhysicalType.Int32, -1),
        TypeId.Long or TypeId.Time or TypeId.Timestamp or TypeId.TimestampTz => (PhysicalType.Int64, -1),
        TypeId.Float => (PhysicalType.Float, -1),
        TypeId.Double => (PhysicalType.Double, -1),
        TypeId.Decimal when p.Precision <= 9 => (PhysicalType.Int32, -1),
        TypeId.Decimal when p.Precision <= 18 => (PhysicalType.Int64, -1),
        TypeId.Decimal => (PhysicalType.FixedLenByteArray, DecimalBytes(p.Precision)),
        TypeId.String or TypeId.Binary => (PhysicalType.ByteArray, -1),
        TypeId.Uuid => (PhysicalType.FixedLenByteArray, 16),
        TypeId.Fixed => (PhysicalType.FixedLenByteArray, p.Length),
        _ => throw new Core.Errors.DativoException($"writing {p} is not supported"),
    };

    /// <summary>The fewest bytes whose two's complement holds every unscaled value of the precision (spec: "minimum number of bytes").</summary>
    public static int DecimalBytes(int precision)
    {
        var max = System.Numerics.BigInteger.Pow(10, precision) - 1;
        var n = 1;
        while (System.Numerics.BigInteger.Pow(2, (8 * n) - 1) - 1 < max) n++;
        return n;
    }
}
