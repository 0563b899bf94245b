using Dativo.Ingestion.Records;
using Dativo.Ingestion.Schema;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Ingestion.Targets;

/// <summary>
/// Turns coerced <see cref="ColumnBatch"/>es (target schema order, arrays possibly longer than the row count) into
/// lake <see cref="RecordBatch"/>es in the table's column order: exact-length arrays (the batch's own when they have that
/// length: the lake's writers do not keep them after a write), time as <see cref="TimeOnly"/>, table columns the job
/// does not produce as nulls.
/// </summary>
internal sealed class BatchConverter
{
    private readonly IcebergSchema _table;
    private readonly int[] _sourceIndex;

    public BatchConverter(TargetSchema schema, IcebergSchema table)
    {
        _table = table;
        _sourceIndex = [.. table.Columns.Select(f => schema.Columns.ToList().FindIndex(c => c.FieldId == f.Id))];
    }

    public RecordBatch Convert(ColumnBatch batch)
    {
        var n = batch.Count;
        var cols = new Array[_sourceIndex.Length];
        for (var i = 0; i < cols.Length; i++)
        {
            var src = _sourceIndex[i];
            cols[i] = src < 0 ? Nulls((PrimitiveType)_table.Columns[i].Type, n) : Exact(batch.Data[src], n);
        }
        return new RecordBatch(_table, cols);
    }

    /// <summary>The first <paramref name="n"/> values as a new array (the whole array when it already has that length).</summary>
    private static Array Exact(Array a, int n)
    {
        if (a is TimeSpan?[] ts)
        {
            var t = new TimeOnly?[n];
            for (var i = 0; i < n; i++) t[i] = ts[i] is { } v ? TimeOnly.FromTimeSpan(v) : null;
            return t;
        }
        if (a.Length == n) return a;
        var r = Array.CreateInstance(a.GetType().GetElementType()!, n);
        Array.Copy(a, r, n);
        return r;
    }

    private static Array Nulls(PrimitiveType t, int n) => t.Id switch
    {
        TypeId.Boolean => new bool?[n],
        TypeId.Int => new int?[n],
        TypeId.Long => new long?[n],
        TypeId.Float => new float?[n],
        TypeId.Double => new double?[n],
        TypeId.Decimal => new decimal?[n],
        TypeId.Date => new DateOnly?[n],
        TypeId.Time => new TimeOnly?[n],
        TypeId.Timestamp or TypeId.TimestampTz => new DateTime?[n],
        TypeId.Uuid => new Guid?[n],
        TypeId.Binary or TypeId.Fixed => new byte[]?[n],
        _ => new string?[n],
    };
}
