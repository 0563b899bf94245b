using Parquet;
using Parquet.Schema;

namespace Dativo.Lake.Iceberg.Data;

/// <summary>Typed column writes (no boxing) through Parquet.Net's span-based API.</summary>
internal static class ParquetColumns
{
    public static Task WriteAsync(ParquetRowGroupWriter rg, DataField field, Array column, CancellationToken ct) =>
        Write(rg, field, field.IsNullable ? AsNullable(column) : column, ct);

    /// <summary>Parquet.Net needs definition levels for optional columns: a non-nullable array becomes T?[].</summary>
    private static Array AsNullable(Array column) => column switch
    {
        int[] a => Array.ConvertAll(a, x => (int?)x),
        long[] a => Array.ConvertAll(a, x => (long?)x),
        float[] a => Array.ConvertAll(a, x => (float?)x),
        double[] a => Array.ConvertAll(a, x => (double?)x),
        decimal[] a => Array.ConvertAll(a, x => (decimal?)x),
        bool[] a => Array.ConvertAll(a, x => (bool?)x),
        DateOnly[] a => Array.ConvertAll(a, x => (DateOnly?)x),
        TimeOnly[] a => Array.ConvertAll(a, x => (TimeOnly?)x),
        DateTime[] a => Array.ConvertAll(a, x => (DateTime?)x),
        Guid[] a => Array.ConvertAll(a, x => (Guid?)x),
        _ => column,
    };

    private static Task Write(ParquetRowGroupWriter rg, DataField field, Array column, CancellationToken ct) => column switch
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
        // TIME_MICROS columns take microseconds since midnight
        TimeOnly[] a => rg.WriteAsync<long>(field, Array.ConvertAll(a, x => x.Ticks / 10), null, null, ct),
        TimeOnly?[] a => rg.WriteAsync<long>(field, Array.ConvertAll(a, x => x is { } t ? t.Ticks / 10 : (long?)null), null, null, ct),
        DateTime[] a => rg.WriteAsync<DateTime>(field, a, null, null, ct),
        DateTime?[] a => rg.WriteAsync<DateTime>(field, a, null, null, ct),
        Guid[] a => rg.WriteAsync<Guid>(field, a, null, null, ct),
        Guid?[] a => rg.WriteAsync<Guid>(field, a, null, null, ct),
        string?[] a => rg.WriteAsync(field, a, null),
        byte[]?[] a => rg.WriteAsync(field, a!, null),
        _ => throw new NotSupportedException($"cannot write {column.GetType()} to Parquet"),
    };
}
