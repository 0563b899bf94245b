using Parquet;
using Parquet.Schema;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Typed column writes (no boxing) through Parquet.Net's span-based API.</summary>
internal static class ParquetColumns
{
    public static Task WriteAsync(ParquetRowGroupWriter rg, DataField field, Array column, CancellationToken ct) => column switch
    {
        int[] a => rg.WriteAsync<int>(field, a, null, null, ct),
        int?[] a => rg.WriteAsync<int>(field, a, null, null, ct),
        long[] a => rg.WriteAsync<long>(field, a, null, null, ct),
        long?[] a => rg.WriteAsync<long>(field, a, null, null, ct),
        float[] a => rg.WriteAsync<float>(field, a, null, null, ct),
        float?[] a => rg.WriteAsync<float>(field, a, null, null, ct),
        double[] a => rg.WriteAsync<double>(field, a, null, null, ct),
        double?[] a => rg.WriteAsync<double>(field, a, null, null, ct),
        decimal[] a => rg.WriteAsync<decimal>(field, a, null, null, ct),
        decimal?[] a => rg.WriteAsync<decimal>(field, a, null, null, ct),
        bool[] a => rg.WriteAsync<bool>(field, a, null, null, ct),
        bool?[] a => rg.WriteAsync<bool>(field, a, null, null, ct),
        DateOnly[] a => rg.WriteAsync<DateOnly>(field, a, null, null, ct),
        DateOnly?[] a => rg.WriteAsync<DateOnly>(field, a, null, null, ct),
        TimeOnly[] a => rg.WriteAsync<TimeOnly>(field, a, null, null, ct),
        TimeOnly?[] a => rg.WriteAsync<TimeOnly>(field, a, null, null, ct),
        DateTime[] a => rg.WriteAsync<DateTime>(field, a, null, null, ct),
        DateTime?[] a => rg.WriteAsync<DateTime>(field, a, null, null, ct),
        Guid[] a => rg.WriteAsync<Guid>(field, a, null, null, ct),
        Guid?[] a => rg.WriteAsync<Guid>(field, a, null, null, ct),
        string?[] a => rg.WriteAsync(field, a, null),
        byte[]?[] a => rg.WriteAsync(field, a!, null),
        _ => throw new NotSupportedException($"cannot write {column.GetType()} to Parquet"),
    };
}
