using System.Text;
using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;
using static Dativo.Lake.Iceberg.Scan.DuckDbTypes;

namespace Dativo.Lake.Iceberg.Scan;

/// <summary>
/// Builds the DuckDB query returning a table's live rows: one <c>read_parquet</c> per planned file, columns mapped
/// by Parquet field id to current names (renames, added columns as NULL, widened types cast), minus position deletes
/// (by <c>file_row_number</c>) and equality deletes (NOT EXISTS … IS NOT DISTINCT FROM), UNION ALL, then the filter.
/// </summary>
internal static class TableSql
{
    public const string RowPosition = "__dativo_pos";

    public static async Task<string> BuildAsync(TableIO io, IcebergSchema schema, IReadOnlyList<ScanTask> tasks, IReadOnlyList<BoundPredicate> filter,
        IReadOnlyList<string>? columns, CancellationToken ct)
    {
        var selected = columns is null || columns.Count == 0
            ? schema.Columns
            : [.. columns.Select(c => schema.FindField(c) is { } f && schema.Columns.Contains(f) ? f : throw new DativoException($"column '{c}' is not in the table schema"))];
        var outCols = string.Join(", ", selected.Select(f => Ident(f.Name)));
        var where = filter.Count == 0 ? "" : " WHERE " + string.Join(" AND ", filter.Select(p => Condition(p, p.Field.Name)));
        if (tasks.Count == 0)
            return "SELECT " + string.Join(", ", selected.Select(f => $"NULL::{TypeName(f.Type)} AS {Ident(f.Name)}")) + " WHERE FALSE";
        var parts = new List<string>();
        foreach (var t in tasks) parts.Add(await FileSqlAsync(io, schema, t, includePosition: false, ct));
        return $"SELECT {outCols} FROM (\n{string.Join("\nUNION ALL\n", parts)}\n) AS t{where}";
    }

    /// <summary>Live rows of one file with current column names (and the row position when asked).</summary>
    public static async Task<string> FileSqlAsync(TableIO io, IcebergSchema schema, ScanTask task, bool includePosition, CancellationToken ct)
    {
        var path = await io.LocalFileAsync(task.File.FilePath, ct);
        var cols = await ParquetFieldIds.ReadAsync(io, task.File.FilePath, ct);
        var useIds = cols.ById.Count > 0;
        var proj = new List<string>();
        foreach (var f in schema.Columns)
        {
            // files without field ids: the field's name, or its name as Java stores it in Parquet
            var name = useIds ? cols.ById.GetValueOrDefault(f.Id)
                : cols.Names.Contains(f.Name) ? f.Name
                : cols.Names.Contains(CompatibleNames.Parquet(f.Name)) ? CompatibleNames.Parquet(f.Name) : null;
            if (name is null) proj.Add($"NULL::{TypeName(f.Type)} AS {Ident(f.Name)}");
            else if (f.Type is PrimitiveType { Id: TypeId.Long or TypeId.Double or TypeId.Decimal })
                proj.Add($"CAST(d.{Ident(name)} AS {TypeName(f.Type)}) AS {Ident(f.Name)}");
            else proj.Add($"d.{Ident(name)} AS {Ident(f.Name)}");
        }
        proj.Add($"d.file_row_number AS {RowPosition}");
        var sb = new StringBuilder();
        sb.Append("SELECT ").Append(string.Join(", ", schema.Columns.Select(f => "p." + Ident(f.Name))));
        if (includePosition) sb.Append(", p.").Append(RowPosition);
        sb.Append(" FROM (SELECT ").Append(string.Join(", ", proj)).Append(" FROM read_parquet(").Append(Str(path)).Append(", file_row_number=true, hive_partitioning=false) AS d) AS p");
        var conditions = new List<string>();
        if (task.PositionDeletes.Count > 0)
        {
            var deletePaths = new List<string>();
            foreach (var d in task.PositionDeletes) deletePaths.Add(Str(await io.LocalFileAsync(d.FilePath, ct)));
            var files = string.Join(", ", deletePaths);
            conditions.Add($"p.{RowPosition} NOT IN (SELECT pos FROM read_parquet([{files}], hive_partitioning=false) WHERE file_path = {Str(task.File.FilePath)})");
        }
        foreach (var eq in task.EqualityDeletes)
        {
            var eqCols = await ParquetFieldIds.ReadAsync(io, eq.FilePath, ct);
            var matches = new List<string>();
            foreach (var id in eq.EqualityIds ?? [])
            {
                var current = schema.FindField(id);
                var eqName = eqCols.ById.GetValueOrDefault(id) ?? current?.Name ?? throw new DativoException($"equality delete {eq.FilePath} has no column for field {id}");
                var dataExpr = current is not null && schema.Columns.Contains(current) ? "p." + Ident(current.Name) : "NULL";
                matches.Add($"e.{Ident(eqName)} IS NOT DISTINCT FROM {dataExpr}");
            }
            if (matches.Count > 0)
                conditions.Add($"NOT EXISTS (SELECT 1 FROM read_parquet({Str(await io.LocalFileAsync(eq.FilePath, ct))}, hive_partitioning=false) AS e WHERE {string.Join(" AND ", matches)})");
        }
        if (conditions.Count > 0) sb.Append(" WHERE ").Append(string.Join(" AND ", conditions));
        return sb.ToString();
    }
}
