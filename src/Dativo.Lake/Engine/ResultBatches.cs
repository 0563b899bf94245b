using System.Globalization;
using System.Numerics;
using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Engine;

/// <summary>
/// DuckDB result columns → Iceberg types and <see cref="RecordBatch"/> typed arrays (nullable forms, since a query
/// result may hold nulls anywhere). HUGEINT (DuckDB's SUM of integers) becomes long, checked.
/// </summary>
internal static class ResultBatches
{
    /// <summary>The Iceberg type of a DuckDB result column.</summary>
    public static PrimitiveType TypeOf(QueryColumn c)
    {
        var t = c.DuckDbType.ToUpperInvariant();
        if (t.StartsWith("DECIMAL", StringComparison.Ordinal))
        {
            var (p, s) = DecimalArgs(t);
            return p <= 28 ? IcebergType.Decimal(p, s) : IcebergType.Double;
        }
        return t switch
        {
            "BOOLEAN" => IcebergType.Boolean,
            "TINYINT" or "SMALLINT" or "INTEGER" or "UTINYINT" or "USMALLINT" => IcebergType.Int,
            "BIGINT" or "UINTEGER" or "UBIGINT" or "HUGEINT" or "UHUGEINT" => IcebergType.Long,
            "FLOAT" => IcebergType.Float,
            "DOUBLE" => IcebergType.Double,
            "DATE" => IcebergType.Date,
            "TIME" => IcebergType.Time,
            "TIMESTAMP" or "TIMESTAMP_MS" or "TIMESTAMP_S" or "TIMESTAMP_NS" => IcebergType.Timestamp,
            "TIMESTAMP WITH TIME ZONE" or "TIMESTAMPTZ" => IcebergType.TimestampTz,
            "BLOB" => IcebergType.Binary,
            _ => IcebergType.String,
        };
    }

    /// <summary>Schema for a result: columns 1..n (all optional) plus the extra columns after them.</summary>
    public static IcebergSchema SchemaOf(QueryResult result, IReadOnlyList<(string Name, PrimitiveType Type)> extra)
    {
        var fields = new List<NestedField>();
        var id = 1;
        foreach (var c in result.Columns) fields.Add(NestedField.Optional(id++, c.Name, TypeOf(c)));
        foreach (var (name, type) in extra) fields.Add(NestedField.Optional(id++, name, type));
        return new IcebergSchema(0, fields);
    }

    /// <summary>
    /// A batch in <paramref name="schema"/>: each column from the result column of the same name (case-insensitive),
    /// or from <paramref name="constants"/>; fails when the table and the query disagree on the columns.
    /// </summary>
    public static RecordBatch ToBatch(IcebergSchema schema, QueryResult result, IReadOnlyDictionary<string, object?> constants, string table)
    {
        CheckColumns(schema, result, constants, table);
        var columns = new Array[schema.Columns.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var f = schema.Columns[i];
            var type = (PrimitiveType)f.Type;
            if (constants.TryGetValue(f.Name, out var constant))
            {
                columns[i] = Column(type, Enumerable.Repeat(constant, result.Rows.Count), result.Rows.Count, f.Name);
                continue;
            }
            var index = result.ColumnIndex(f.Name);
            columns[i] = Column(type, result.Rows.Select(r => r[index]), result.Rows.Count, f.Name);
        }
        return new RecordBatch(schema, columns);
    }

    /// <summary>The query must return exactly the table's columns (other than the constants), by name.</summary>
    public static void CheckColumns(IcebergSchema schema, QueryResult result, IReadOnlyDictionary<string, object?> constants, string table)
    {
        var resultNames = result.Columns.Select(c => c.Name).ToList();
        var tableNames = schema.Columns.Where(f => !constants.ContainsKey(f.Name)).Select(f => f.Name).ToList();
        var missing = resultNames.Where(n => !tableNames.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        var absent = tableNames.Where(n => !resultNames.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count > 0 || absent.Count > 0)
            throw new DativoException($"table {table} has the columns ({string.Join(", ", tableNames)}) but the query returns ({string.Join(", ", resultNames)}); " +
                "write the query's columns to a new table, or drop the old one");
    }

    /// <summary>One typed column array (the <see cref="RecordBatch"/> element type of <paramref name="type"/>) from DuckDB values.</summary>
    internal static Array Column(PrimitiveType type, IEnumerable<object?> values, int count, string name)
    {
        try
        {
            return type.Id switch
            {
                TypeId.Boolean => Fill(values, count, v => Convert.ToBoolean(v, CultureInfo.InvariantCulture)),
                TypeId.Int => Fill(values, count, v => Convert.ToInt32(Integer(v), CultureInfo.InvariantCulture)),
                TypeId.Long => Fill(values, count, v => Convert.ToInt64(Integer(v), CultureInfo.InvariantCulture)),
                TypeId.Float => Fill(values, count, v => Convert.ToSingle(v, CultureInfo.InvariantCulture)),
                TypeId.Double => Fill(values, count, v => Convert.ToDouble(v, CultureInfo.InvariantCulture)),
                TypeId.Decimal => Fill(values, count, v => Math.Round(Convert.ToDecimal(v, CultureInfo.InvariantCulture), type.Scale, MidpointRounding.AwayFromZero)),
                TypeId.Date => Fill(values, count, Date),
                TypeId.Time => Fill(values, count, v => v is TimeSpan ts ? TimeOnly.FromTimeSpan(ts) : (TimeOnly)v),
                TypeId.Timestamp or TypeId.TimestampTz => Fill(values, count, Timestamp),
                TypeId.Binary or TypeId.Fixed => values.Select(v => v is null ? null : v as byte[] ?? throw new InvalidCastException($"{v.GetType().Name} is not binary")).ToArray(),
                TypeId.Uuid => Fill(values, count, v => v is Guid g ? g : Guid.Parse(Convert.ToString(v, CultureInfo.InvariantCulture)!)),
                _ => values.Select(v => v is null ? null : Text(v)).ToArray(),
            };
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw new DativoException($"column '{name}': a value does not fit the table's type {type} ({e.Message})", inner: e);
        }
    }

    private static T?[] Fill<T>(IEnumerable<object?> values, int count, Func<object, T> convert) where T : struct
    {
        var a = new T?[count];
        var i = 0;
        foreach (var v in values) a[i++] = v is null ? null : convert(v);
        return a;
    }

    private static object Integer(object v) => v is BigInteger b ? (long)b : v;

    private static DateOnly Date(object v) => v switch
    {
        DateOnly d => d,
        DateTime dt => DateOnly.FromDateTime(dt),
        string s => DateOnly.Parse(s, CultureInfo.InvariantCulture),
        _ => DateOnly.Parse(Text(v), CultureInfo.InvariantCulture),
    };

    private static DateTime Timestamp(object v) => v switch
    {
        DateTime dt => dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : DateTime.SpecifyKind(dt, DateTimeKind.Utc),
        DateTimeOffset dto => dto.UtcDateTime,
        _ => DateTime.Parse(Text(v), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
    };

    private static string Text(object v) => v switch
    {
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static (int Precision, int Scale) DecimalArgs(string type)
    {
        var open = type.IndexOf('(', StringComparison.Ordinal);
        if (open < 0) return (18, 3);
        var parts = type[(open + 1)..type.IndexOf(')', StringComparison.Ordinal)].Split(',');
        return (int.Parse(parts[0].Trim(), CultureInfo.InvariantCulture), parts.Length > 1 ? int.Parse(parts[1].Trim(), CultureInfo.InvariantCulture) : 0);
    }
}
