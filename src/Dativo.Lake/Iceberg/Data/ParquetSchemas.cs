using Dativo.Lake.Iceberg.Types;
using ParquetSharp;
using ParquetSharp.Schema;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Parquet columns for Iceberg primitive columns (spec Appendix A, Parquet), each carrying the Iceberg field id.</summary>
internal static class ParquetSchemas
{
    /// <summary>
    /// The file schema: one column per top-level field. The caller disposes it once the writer holds it. With
    /// <paramref name="icebergNames"/> (data files of a table) the columns are named as Java names them
    /// (<see cref="ColumnNames"/>); otherwise (a plain Parquet dataset, read by name) as the fields are.
    /// </summary>
    public static GroupNode Schema(IcebergSchema schema, bool icebergNames = true)
    {
        var names = icebergNames ? ColumnNames(schema) : [.. schema.Columns.Select(c => c.Name)];
        var columns = schema.Columns.Select((c, i) => Column(c, names[i])).ToArray();
        try
        {
            return new GroupNode("table", Repetition.Required, columns);
        }
        finally
        {
            foreach (var c in columns) c.Dispose();
        }
    }

    /// <summary>
    /// Parquet column names of a table's top-level fields (<see cref="CompatibleNames.Parquet"/>); two fields whose
    /// names come out the same are refused, as a file with two equal column names cannot be read by name.
    /// </summary>
    public static string[] ColumnNames(IcebergSchema schema)
    {
        var names = schema.Columns.Select(c => CompatibleNames.Parquet(c.Name)).ToArray();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
            if (!seen.TryAdd(names[i], schema.Columns[i].Name))
                throw new Core.Errors.DativoException(
                    $"columns '{seen[names[i]]}' and '{schema.Columns[i].Name}' would both be stored as Parquet column '{names[i]}' " +
                    "(characters other than letters, digits and '_' are stored as _x<hex code>); rename one of them");
        return names;
    }

    public static PrimitiveNode Column(NestedField f, string name)
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
        return new PrimitiveNode(name, f.Required ? Repetition.Required : Repetition.Optional, logical, physical, length, f.Id);
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
