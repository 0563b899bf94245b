using Dativo.Lake.Catalog.Glue;
using Dativo.Lake.Catalog.Sql;

namespace Dativo.Lake.Catalog;

/// <summary>Opens the catalog a URI designates: the SQL catalog (SQLite by default, PostgreSQL), or the AWS Glue Data Catalog (<c>glue://</c>).</summary>
public static class Catalogs
{
    public const string DefaultFileName = "catalog.db";

    public static ICatalog Open(CatalogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (GlueCatalogUri.Matches(options.Uri)) return GlueCatalogUri.Open(options.Name, options.Uri!);
        return new SqlCatalog(options.Name, SqlDatabases.Open(options.Uri, options.Warehouse, DefaultFileName, "catalog"));
    }
}
