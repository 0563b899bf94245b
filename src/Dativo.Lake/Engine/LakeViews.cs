using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Engine;

/// <summary>
/// The SQL of a DuckDB view over a table's planned scan. The common case — local files, no delete files, one schema,
/// every file mapping the field ids to the same column names — becomes ONE <c>read_parquet([...])</c> over the
/// planned files, which DuckDB parallelises like a plain Parquet read; anything else uses the general per-file
/// query of <see cref="TableScan.ToSqlAsync"/> (renames, added columns, deletes).
/// </summary>
internal static class LakeViews
{
    public static async Task<string> SqlAsync(IcebergTable table, Expr? filter, CancellationToken ct)
    {
        var scan = table.NewScan();
        if (filter is not null) scan = scan.Filter(filter);
        var tasks = await scan.PlanFilesAsync(ct).ConfigureAwait(false);
        var schema = table.Schema;
        if (tasks.Count == 0 || table.Metadata.Schemas.Count != 1 || tasks.Any(t => t.PositionDeletes.Count > 0 || t.EqualityDeletes.Count > 0))
            return await scan.ToSqlAsync(ct).ConfigureAwait(false);
        var paths = new List<string>();
        IReadOnlyDictionary<int, string>? mapping = null;
        foreach (var t in tasks)
        {
            var local = table.IO.LocalPath(t.File.FilePath);
            if (local is null) return await scan.ToSqlAsync(ct).ConfigureAwait(false);
            var cols = await table.ReadingDataFilesAsync(() => ParquetFieldIds.ReadAsync(table.IO, t.File.FilePath, ct)).ConfigureAwait(false);
            if (schema.Columns.Any(c => !cols.ById.ContainsKey(c.Id))) return await scan.ToSqlAsync(ct).ConfigureAwait(false);
            if (mapping is null) mapping = cols.ById;
            else if (schema.Columns.Any(c => mapping[c.Id] != cols.ById[c.Id])) return await scan.ToSqlAsync(ct).ConfigureAwait(false);
            paths.Add(local);
        }
        var projection = schema.Columns.Select(c => c.Type is PrimitiveType { Id: TypeId.Long or TypeId.Double or TypeId.Decimal }
            ? $"CAST({SqlText.Identifier(mapping![c.Id])} AS {DuckDbTypes.TypeName(c.Type)}) AS {SqlText.Identifier(c.Name)}"
            : $"{SqlText.Identifier(mapping![c.Id])} AS {SqlText.Identifier(c.Name)}");
        var sql = $"SELECT {string.Join(", ", projection)} FROM read_parquet({SqlText.FileList(paths)}, hive_partitioning = false)";
        var predicates = filter is null ? [] : BoundPredicate.Bind(filter, schema);
        return predicates.Count == 0 ? sql : $"SELECT * FROM ({sql}) AS t WHERE {string.Join(" AND ", predicates.Select(p => DuckDbTypes.Condition(p, p.Field.Name)))}";
    }
}
