using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Data;

internal static class ColumnTypes
{
    public static Type[] ClrElementTypes(PrimitiveType t) => t.Id switch
    {
        TypeId.Boolean => [typeof(bool), typeof(bool?)],
        TypeId.Int => [typeof(int), typeof(int?)],
        TypeId.Long => [typeof(long), typeof(long?)],
        TypeId.Float => [typeof(float), typeof(float?)],
        TypeId.Double => [typeof(double), typeof(double?)],
        TypeId.Decimal => [typeof(decimal), typeof(decimal?)],
        TypeId.Date => [typeof(DateOnly), typeof(DateOnly?)],
        TypeId.Time => [typeof(TimeOnly), typeof(TimeOnly?)],
        TypeId.Timestamp or TypeId.TimestampTz => [typeof(DateTime), typeof(DateTime?)],
        TypeId.Uuid => [typeof(Guid), typeof(Guid?)],
        TypeId.String => [typeof(string)],
        TypeId.Binary or TypeId.Fixed => [typeof(byte[])],
        _ => throw new Core.Errors.DativoException($"writing {t} columns is not supported"),
    };

    public static string Describe(Type t) => Nullable.GetUnderlyingType(t) is { } u ? u.Name + "?[]" : t.Name + "[]";

    /// <summary>True when an array of a nullable or reference element type holds a null.</summary>
    public static bool HasNull(Array a)
    {
        var t = a.GetType().GetElementType()!;
        if (t.IsValueType && Nullable.GetUnderlyingType(t) is null) return false;
        return a switch
        {
            long?[] x => Array.IndexOf(x, null) >= 0,
            int?[] x => Array.IndexOf(x, null) >= 0,
            string?[] x => Array.IndexOf(x, null) >= 0,
            _ => a.Cast<object?>().Any(v => v is null),
        };
    }

    /// <summary>True when every element equals the first (typed comparison for the common element types; false otherwise).</summary>
    public static bool AllSame(Array a) => a switch
    {
        DateOnly?[] x => Same(x),
        DateOnly[] x => Same(x),
        long?[] x => Same(x),
        long[] x => Same(x),
        int?[] x => Same(x),
        int[] x => Same(x),
        string?[] x => Same(x),
        DateTime?[] x => Same(x),
        DateTime[] x => Same(x),
        bool?[] x => Same(x),
        _ => false,
    };

    private static bool Same<T>(T[] a)
    {
        var c = EqualityComparer<T>.Default;
        for (var i = 1; i < a.Length; i++)
            if (!c.Equals(a[i], a[0])) return false;
        return true;
    }

    public static Array Take(Array source, int[] rows, int count)
    {
        return source switch
        {
            int[] a => TakeT(a, rows, count),
            int?[] a => TakeT(a, rows, count),
            long[] a => TakeT(a, rows, count),
            long?[] a => TakeT(a, rows, count),
            double[] a => TakeT(a, rows, count),
            double?[] a => TakeT(a, rows, count),
            string[] a => TakeT(a, rows, count),
            DateTime[] a => TakeT(a, rows, count),
            DateTime?[] a => TakeT(a, rows, count),
            DateOnly[] a => TakeT(a, rows, count),
            DateOnly?[] a => TakeT(a, rows, count),
            _ => TakeSlow(source, rows, count),
        };
    }

    private static T[] TakeT<T>(T[] a, int[] rows, int count)
    {
        var r = new T[count];
        for (var i = 0; i < count; i++) r[i] = a[rows[i]];
        return r;
    }

    private static Array TakeSlow(Array a, int[] rows, int count)
    {
        var r = Array.CreateInstance(a.GetType().GetElementType()!, count);
        for (var i = 0; i < count; i++) r.SetValue(a.GetValue(rows[i]), i);
        return r;
    }
}
