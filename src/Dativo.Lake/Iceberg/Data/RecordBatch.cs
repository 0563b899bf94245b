using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>
/// Rows in columnar form: one typed array per top-level column of <see cref="Schema"/>, all of the same length.
/// Arrays: boolean <c>bool[]</c>, int <c>int[]</c>, long <c>long[]</c>, float <c>float[]</c>, double <c>double[]</c>,
/// decimal <c>decimal[]</c>, date <c>DateOnly[]</c>, time <c>TimeOnly[]</c>, timestamp/timestamptz <c>DateTime[]</c> (UTC),
/// uuid <c>Guid[]</c> — or the nullable form (<c>int?[]</c>, …) for columns with nulls —, string <c>string?[]</c>,
/// binary/fixed <c>byte[]?[]</c>. Required columns must not contain nulls.
/// </summary>
public sealed class RecordBatch
{
    public RecordBatch(IcebergSchema schema, IReadOnlyList<Array> columns)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count != schema.Columns.Count)
            throw new DativoException($"record batch has {columns.Count} columns but the schema has {schema.Columns.Count}");
        Schema = schema;
        Columns = columns;
        RowCount = columns.Count == 0 ? 0 : columns[0].Length;
        for (var i = 0; i < columns.Count; i++)
        {
            var f = schema.Columns[i];
            if (columns[i].Length != RowCount)
                throw new DativoException($"column '{f.Name}' has {columns[i].Length} values, expected {RowCount}");
            if (f.Type is not PrimitiveType p)
                throw new DativoException($"column '{f.Name}' is a {f.Type.Id}: writing nested columns is not supported yet");
            var expected = ColumnTypes.ClrElementTypes(p);
            if (!expected.Contains(columns[i].GetType().GetElementType()!))
                throw new DativoException($"column '{f.Name}' ({p}) must be one of {string.Join(", ", expected.Select(ColumnTypes.Describe))}, not {ColumnTypes.Describe(columns[i].GetType().GetElementType()!)}");
            if (f.Required && ColumnTypes.HasNull(columns[i]))
                throw new DativoException($"column '{f.Name}' is required but has null values");
        }
    }

    public IcebergSchema Schema { get; }

    public IReadOnlyList<Array> Columns { get; }

    public int RowCount { get; }

    /// <summary>Rows [offset, offset+count) as a new batch (copies).</summary>
    public RecordBatch Slice(int offset, int count)
    {
        if (offset == 0 && count == RowCount) return this;
        return new RecordBatch(Schema, [.. Columns.Select(c =>
        {
            var a = Array.CreateInstance(c.GetType().GetElementType()!, count);
            Array.Copy(c, offset, a, 0, count);
            return a;
        })]);
    }

    /// <summary>All rows in new arrays.</summary>
    public RecordBatch Copy() => new(Schema, [.. Columns.Select(c => (Array)c.Clone())]);

    /// <summary>The given rows as a new batch.</summary>
    public RecordBatch Take(int[] rows, int count) => new(Schema, [.. Columns.Select(c => ColumnTypes.Take(c, rows, count))]);

    /// <summary>Concatenates batches of the same schema.</summary>
    public static RecordBatch Concat(IReadOnlyList<RecordBatch> batches)
    {
        if (batches.Count == 1) return batches[0];
        var schema = batches[0].Schema;
        var total = batches.Sum(b => b.RowCount);
        var cols = new Array[schema.Columns.Count];
        for (var c = 0; c < cols.Length; c++)
        {
            var elem = batches.Select(b => b.Columns[c].GetType().GetElementType()!).Distinct().ToList();
            var target = elem.Count == 1 ? elem[0] : elem.First(t => Nullable.GetUnderlyingType(t) is not null || !t.IsValueType);
            var a = Array.CreateInstance(target, total);
            var pos = 0;
            foreach (var b in batches)
            {
                var src = b.Columns[c];
                if (src.GetType().GetElementType() == target) Array.Copy(src, 0, a, pos, src.Length);
                else for (var i = 0; i < src.Length; i++) a.SetValue(src.GetValue(i), pos + i);
                pos += src.Length;
            }
            cols[c] = a;
        }
        return new RecordBatch(schema, cols);
    }

    /// <summary>Value of a cell in <see cref="Conversions"/> representation (slow path: partitioning, tests).</summary>
    public object? Value(int column, int row) =>
        Conversions.Normalize((PrimitiveType)Schema.Columns[column].Type, Columns[column].GetValue(row));
}
