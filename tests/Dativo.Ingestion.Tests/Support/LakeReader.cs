using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage;
using Dativo.Lake.Iceberg.Metadata;
using DuckDB.NET.Data;

namespace Dativo.Ingestion.Tests.Support;

/// <summary>Reads a table written to a local warehouse back: metadata from the SQL catalog, live data files from the manifests, rows through DuckDB.</summary>
internal static class LakeReader
{
    public static async Task<TableMetadata> MetadataAsync(string warehouse, string ns, string table)
    {
        var catalog = Catalogs.Open(new CatalogOptions { Warehouse = warehouse });
        var loc = await catalog.LoadMetadataLocationAsync(new TableIdentifier(ns, table)) ?? throw new InvalidOperationException($"no table {ns}.{table}");
        return TableMetadataJson.Parse(await File.ReadAllBytesAsync(new Uri(loc).LocalPath));
    }

    public static async Task<List<string>> DataFilesAsync(string warehouse, string ns, string table)
    {
        var catalog = Catalogs.Open(new CatalogOptions { Warehouse = warehouse });
        var t = await IcebergTables.OpenAsync(catalog, ObjectStores.Open(warehouse), new TableIdentifier(ns, table));
        if (t.Metadata.CurrentSnapshot is null) return [];
        var tasks = await t.NewScan().PlanFilesAsync();
        return [.. tasks.Select(x => new Uri(x.File.FilePath).LocalPath)];
    }

    /// <summary>Rows as dictionaries (column → value), ordered by <paramref name="orderBy"/>.</summary>
    public static async Task<List<Dictionary<string, object?>>> RowsAsync(string warehouse, string ns, string table, string orderBy = "1") =>
        Query(await DataFilesAsync(warehouse, ns, table), orderBy, "");

    /// <summary>Local paths of the files a Parquet dataset has published (its manifests folded), never the folder listing.</summary>
    public static async Task<List<string>> DatasetFilesAsync(string warehouse, string ns, string table)
    {
        var ds = Dativo.Lake.Datasets.ParquetDataset.Open(ObjectStores.Open(warehouse), $"{ns}/{table}");
        var state = await ds.CurrentAsync();
        return [.. state.Files.Select(f => Path.Combine(warehouse, ns, table, f.Path))];
    }

    /// <summary>Rows of the published files of a Parquet dataset, read by DuckDB, ordered by <paramref name="orderBy"/>.</summary>
    public static async Task<List<Dictionary<string, object?>>> DatasetRowsAsync(string warehouse, string ns, string table, string orderBy = "1") =>
        Query(await DatasetFilesAsync(warehouse, ns, table), orderBy, ", hive_partitioning=false"); // the columns are in the files

    private static List<Dictionary<string, object?>> Query(List<string> files, string orderBy, string readOptions)
    {
        var rows = new List<Dictionary<string, object?>>();
        if (files.Count == 0) return rows;
        using var conn = new DuckDBConnection("DataSource=:memory:");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT * FROM read_parquet([{string.Join(",", files.Select(f => "'" + f + "'"))}], union_by_name=true{readOptions}) ORDER BY {orderBy}";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var d = new Dictionary<string, object?>();
            for (var i = 0; i < r.FieldCount; i++) d[r.GetName(i)] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(d);
        }
        return rows;
    }

    public static long Scalar(IEnumerable<string> files, string sql)
    {
        using var conn = new DuckDBConnection("DataSource=:memory:");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql.Replace("{files}", "[" + string.Join(",", files.Select(f => "'" + f + "'")) + "]", StringComparison.Ordinal);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
