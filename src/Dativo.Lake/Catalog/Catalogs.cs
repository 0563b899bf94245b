using Dativo.Core.Errors;
using Dativo.Lake.Catalog.Sql;

namespace Dativo.Lake.Catalog;

/// <summary>Opens the SQL catalog (SQLite by default, PostgreSQL when the URI says so).</summary>
public static class Catalogs
{
    public const string DefaultFileName = "catalog.db";

    public static ICatalog Open(CatalogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SqlCatalog(options.Name, OpenDatabase(options.Uri, options.Warehouse, DefaultFileName), options.Time);
    }

    /// <summary>The database a catalog or state store URI designates; shared with the state store.</summary>
    internal static SqlDatabase OpenDatabase(string? uri, string? warehouse, string defaultFileName)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            var folder = LocalFolder(warehouse)
                ?? throw new DativoException(
                    $"no catalog database configured and the warehouse '{warehouse ?? "(none)"}' is not a local folder; " +
                    "set the catalog uri to postgresql://user:password@host:5432/database or a sqlite:///path/catalog.db file");
            return new SqliteDatabase(Path.Combine(folder, defaultFileName));
        }
        if (ConnectionStrings.IsPostgresUri(uri) || uri.Contains("Host=", StringComparison.OrdinalIgnoreCase))
            return new PostgresDatabase(uri);
        if (uri.StartsWith("sqlite:///", StringComparison.OrdinalIgnoreCase))
            return new SqliteDatabase("/" + uri["sqlite:///".Length..].TrimStart('/'));
        if (uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return new SqliteDatabase(new Uri(uri).LocalPath);
        if (uri.Contains("://", StringComparison.Ordinal))
            throw new DativoException($"unsupported catalog uri '{uri}': use postgresql://… or sqlite:///path/catalog.db");
        return new SqliteDatabase(uri);
    }

    private static string? LocalFolder(string? warehouse)
    {
        if (string.IsNullOrWhiteSpace(warehouse)) return null;
        if (warehouse.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return new Uri(warehouse).LocalPath;
        return warehouse.Contains("://", StringComparison.Ordinal) ? null : warehouse;
    }
}
