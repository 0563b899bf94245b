namespace Dativo.Lake.Catalog;

/// <summary>Where the SQL catalog keeps its tables.</summary>
public sealed record CatalogOptions
{
    /// <summary>The <c>catalog_name</c> column value; several catalogs can share one database.</summary>
    public string Name { get; init; } = "default";

    /// <summary>
    /// Database: <c>null</c> for SQLite at <c>&lt;Warehouse&gt;/catalog.db</c>; a SQLite file
    /// (<c>sqlite:///abs/path.db</c>, <c>file:///…</c> or a path); or PostgreSQL
    /// (<c>postgresql://user:pw@host:5432/db</c> or an Npgsql <c>Host=…;Database=…</c> string); or the AWS Glue Data
    /// Catalog (<c>glue://[account id][?region=…]</c>; the catalog name is then not stored anywhere).
    /// </summary>
    public string? Uri { get; init; }

    /// <summary>Local warehouse folder (or <c>file://</c> URI) used when <see cref="Uri"/> is null.</summary>
    public string? Warehouse { get; init; }
}
