namespace Dativo.Core.Contracts;

/// <summary>Maps the many spellings of column types (dativo, ODCS logical types, SQL names) to one set.</summary>
public static class ContractTypes
{
    public static string? Normalize(string? type) => type?.Trim().ToLowerInvariant() switch
    {
        null or "" => "string",
        "string" or "text" or "varchar" or "char" => "string",
        "integer" or "long" or "bigint" or "int64" => "long",
        "int" or "int32" or "smallint" => "int",
        "double" or "float" or "number" or "float64" or "real" => "double",
        "decimal" or "numeric" => "decimal",
        "boolean" or "bool" => "boolean",
        "date" => "date",
        "timestamp" or "datetime" or "timestamp_ntz" => "timestamp",
        "timestamptz" or "timestamp_tz" => "timestamptz",
        "time" => "time",
        "binary" or "bytes" => "binary",
        "uuid" => "uuid",
        _ => null,
    };
}
