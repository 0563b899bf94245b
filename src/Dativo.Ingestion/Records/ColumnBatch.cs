using Dativo.Ingestion.Schema;

namespace Dativo.Ingestion.Records;

/// <summary>
/// Validated records in the target schema's column order, one typed array per column:
/// long?[], int?[], double?[], decimal?[], bool?[], DateOnly?[], DateTime?[] (UTC), TimeSpan?[], string?[], byte[]?[].
/// </summary>
internal sealed class ColumnBatch
{
    public ColumnBatch(TargetSchema schema, int capacity)
    {
        Schema = schema;
        Data = [.. schema.Columns.Select(c => Allocate(c.Kind, capacity))];
    }

    public TargetSchema Schema { get; }
    public Array[] Data { get; }
    public int Count { get; set; }

    /// <summary>Drops the references the arrays hold (strings, byte arrays) so a batch kept for reuse does not keep them alive.</summary>
    public ColumnBatch Release()
    {
        foreach (var a in Data)
            if (!a.GetType().GetElementType()!.IsValueType) Array.Clear(a);
        Count = 0;
        return this;
    }

    /// <summary>Rows the arrays hold.</summary>
    public int Capacity => Data.Length == 0 ? 0 : Data[0].Length;

    public static Array Allocate(ColumnKind kind, int n) => kind switch
    {
        ColumnKind.Long => new long?[n],
        ColumnKind.Int => new int?[n],
        ColumnKind.Double => new double?[n],
        ColumnKind.Decimal => new decimal?[n],
        ColumnKind.Boolean => new bool?[n],
        ColumnKind.Date => new DateOnly?[n],
        ColumnKind.Timestamp or ColumnKind.TimestampTz => new DateTime?[n],
        ColumnKind.Time => new TimeSpan?[n],
        ColumnKind.Binary => new byte[]?[n],
        _ => new string?[n],
    };

    /// <summary>The value at a row as an object (slow path: partitioning, previews, tests).</summary>
    public object? Get(int column, int row) => Data[column].GetValue(row);
}
