using Npgsql;

namespace Dativo.Lake.Catalog.Sql;

/// <summary>Turns <c>postgresql://user:pw@host:port/db?sslmode=require</c> into an Npgsql connection string.</summary>
internal static class ConnectionStrings
{
    public static bool IsPostgresUri(string value) =>
        value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || value.StartsWith("postgresql+psycopg2://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Accepts either a URI or an Npgsql key=value connection string (returned unchanged).</summary>
    public static string ToNpgsql(string value)
    {
        if (!IsPostgresUri(value)) return value;
        var uri = new Uri(value[value.IndexOf("://", StringComparison.Ordinal)..].Insert(0, "postgresql"));
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Length == 0 ? "localhost" : uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            b.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) b.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) continue;
            var key = Uri.UnescapeDataString(pair[..eq]);
            var val = Uri.UnescapeDataString(pair[(eq + 1)..]);
            // libpq's "host=/path" (unix socket) and "sslmode" map directly; others are passed through when Npgsql knows them.
            if (key.Equals("host", StringComparison.OrdinalIgnoreCase)) b.Host = val;
            else if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase)) b["SSL Mode"] = val.Replace("-", "", StringComparison.Ordinal);
            else b[key] = val;
        }
        return b.ConnectionString;
    }
}
