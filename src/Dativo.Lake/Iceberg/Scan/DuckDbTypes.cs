using System.Globalization;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Scan;

/// <summary>DuckDB SQL spelling of Iceberg types, identifiers and literals.</summary>
internal static class DuckDbTypes
{
    public static string TypeName(IcebergType t) => t switch
    {
        PrimitiveType p => p.Id switch
        {
            TypeId.Boolean => "BOOLEAN",
            TypeId.Int => "INTEGER",
            TypeId.Long => "BIGINT",
            TypeId.Float => "FLOAT",
            TypeId.Double => "DOUBLE",
            TypeId.Decimal => $"DECIMAL({p.Precision},{p.Scale})",
            TypeId.Date => "DATE",
            TypeId.Time => "TIME",
            TypeId.Timestamp => "TIMESTAMP",
            TypeId.TimestampTz => "TIMESTAMPTZ",
            TypeId.TimestampNs => "TIMESTAMP_NS",
            TypeId.TimestampTzNs => "TIMESTAMPTZ",
            TypeId.String => "VARCHAR",
            TypeId.Uuid => "UUID",
            _ => "BLOB",
        },
        StructType s => "STRUCT(" + string.Join(", ", s.Fields.Select(f => Ident(f.Name) + " " + TypeName(f.Type))) + ")",
        ListType l => TypeName(l.Element) + "[]",
        MapType m => $"MAP({TypeName(m.Key)}, {TypeName(m.Value)})",
        _ => "VARCHAR",
    };

    public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Str(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Literal(PrimitiveType t, object v) => t.Id switch
    {
        TypeId.String => Str((string)v),
        TypeId.Boolean => (bool)v ? "TRUE" : "FALSE",
        TypeId.Date => "DATE " + Str(Conversions.ToHumanString(t, v)),
        TypeId.Time => "TIME " + Str(Conversions.ToHumanString(t, v)),
        TypeId.Timestamp => "TIMESTAMP " + Str(Conversions.ToHumanString(t, v).Replace('T', ' ')),
        TypeId.TimestampTz => "TIMESTAMPTZ " + Str(Conversions.ToHumanString(IcebergType.Timestamp, v).Replace('T', ' ') + "+00"),
        TypeId.Uuid => Str(v.ToString()!) + "::UUID",
        TypeId.Binary or TypeId.Fixed => "from_hex(" + Str(Convert.ToHexString((byte[])v)) + ")",
        TypeId.Decimal => "CAST(" + ((decimal)v).ToString(CultureInfo.InvariantCulture) + $" AS DECIMAL({t.Precision},{t.Scale}))",
        TypeId.Float or TypeId.Double => Convert.ToDouble(v, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture)!,
    };

    public static string Condition(BoundPredicate p, string column)
    {
        var c = Ident(column);
        return p.Op switch
        {
            Scan.Op.IsNull => $"{c} IS NULL",
            Scan.Op.NotNull => $"{c} IS NOT NULL",
            Scan.Op.Eq => $"{c} = {Literal(p.Type, p.Literal!)}",
            Scan.Op.NotEq => $"{c} <> {Literal(p.Type, p.Literal!)}",
            Scan.Op.Lt => $"{c} < {Literal(p.Type, p.Literal!)}",
            Scan.Op.LtEq => $"{c} <= {Literal(p.Type, p.Literal!)}",
            Scan.Op.Gt => $"{c} > {Literal(p.Type, p.Literal!)}",
            _ => $"{c} >= {Literal(p.Type, p.Literal!)}",
        };
    }
}
