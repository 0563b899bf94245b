using System.Globalization;
using System.Text;

namespace Dativo.Lake.Engine;

/// <summary>Quoting helpers for SQL text built by the engine (identifiers, literals, file lists).</summary>
public static class SqlText
{
    public static string Identifier(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return "\"" + name.Replace("\"", "\"\"") + "\"";
    }

    public static string Literal(string value) => "'" + value.Replace("'", "''") + "'";

    public static string Literal(DateOnly value) => "DATE '" + value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "'";

    /// <summary><c>['a', 'b']</c>: a DuckDB list literal of file paths.</summary>
    public static string FileList(IReadOnlyList<string> files)
    {
        if (files.Count == 0) throw new ArgumentException("at least one file is needed", nameof(files));
        var sb = new StringBuilder("[");
        for (var i = 0; i < files.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Literal(files[i]));
        }
        return sb.Append(']').ToString();
    }

    /// <summary>A projection list renaming file columns to view columns (<c>"file" AS "view"</c>), or <c>*</c>.</summary>
    public static string Projection(IReadOnlyDictionary<string, string>? columnMapping)
    {
        if (columnMapping is null || columnMapping.Count == 0) return "*";
        return string.Join(", ", columnMapping.Select(kv => Identifier(kv.Value) + " AS " + Identifier(kv.Key)));
    }
}
