namespace Dativo.Lake.Engine;

/// <summary>One result column: its name, the CLR type DuckDB.NET returns, and DuckDB's type name.</summary>
public sealed record QueryColumn(string Name, Type ClrType, string DuckDbType);

/// <summary>A fully materialised query result, for printing and tests (not for large data: export instead).</summary>
public sealed record QueryResult(IReadOnlyList<QueryColumn> Columns, IReadOnlyList<object?[]> Rows)
{
    public int ColumnIndex(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        throw new KeyNotFoundException($"column '{name}' not in result ({string.Join(", ", Columns.Select(c => c.Name))})");
    }
}

/// <summary>File formats <see cref="DuckDbEngine.ExportAsync"/> writes.</summary>
public enum ExportFormat
{
    Csv,
    Parquet,
}
