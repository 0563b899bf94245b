using Dativo.Lake.Catalog.Sql;

namespace Dativo.Lake.Catalog;

/// <summary>Opens the SQL catalog (SQLite by default, PostgreSQL when the URI says so).</summary>
public static class Catalogs
{
    public const string DefaultFileName = "catalog.db";

    public static ICatalog Open(CatalogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SqlCatalog(options.Name, SqlDatabases.Open(options.Uri, options.Warehouse, DefaultFileName, "catalog"));
    }
}
