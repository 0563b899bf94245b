using Dativo.Core.Errors;

namespace Dativo.Lake.Catalog.Sql;

/// <summary>Picks the SQL backend a catalog or state-store URI designates.</summary>
internal static class SqlDatabases
{
    /// <summary>
    /// <paramref name="uri"/>: null → SQLite <paramref name="defaultFileName"/> in <paramref name="folder"/>;
    /// <c>postgresql://…</c> or <c>Host=…</c> → PostgreSQL; <c>sqlite:///path</c>, <c>file:///path</c> or a path → SQLite.
    /// </summary>
    public static SqlDatabase Open(string? uri, string? folder, string defaultFileName, string what)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            var local = LocalFolder(folder)
                ?? throw new DativoException(
                    $"no {what} database configured and '{folder ?? "(none)"}' is not a local folder; " +
                    $"set the {what} uri to postgresql://user:password@host:5432/database or sqlite:///path/{defaultFileName}");
            return new SqliteDatabase(Path.Combine(local, defaultFileName), what: what);
        }
        if (ConnectionStrings.IsPostgresUri(uri) || uri.Contains("Host=", StringComparison.OrdinalIgnoreCase))
            return new PostgresDatabase(uri);
        if (uri.StartsWith("sqlite:///", StringComparison.OrdinalIgnoreCase))
            return new SqliteDatabase("/" + uri["sqlite:///".Length..].TrimStart('/'), what: what);
        if (uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return new SqliteDatabase(new Uri(uri).LocalPath, what: what);
        if (uri.Contains("://", StringComparison.Ordinal))
            throw new DativoException($"unsupported {what} uri '{uri}': use postgresql://user:password@host:5432/database or sqlite:///path/{defaultFileName}");
        return new SqliteDatabase(uri, what: what);
    }

    private static string? LocalFolder(string? folder)
    {
        if (string.IsNullOrWhiteSpace(folder)) return null;
        if (folder.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return new Uri(folder).LocalPath;
        return folder.Contains("://", StringComparison.Ordinal) ? null : folder;
    }
}
