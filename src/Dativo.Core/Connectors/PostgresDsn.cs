using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dativo.Core.Connectors;

/// <summary>
/// A PostgreSQL connection string in any of the forms users bring: a URI (<c>postgresql://user:pw@host:5432/db?sslmode=require</c>),
/// libpq keyword/value (<c>host=db port=5432 dbname=orders user=etl</c>, values optionally single-quoted), or the
/// semicolon form (<c>Host=db;Port=5432;Database=orders</c>). Read into libpq keywords, so one parser serves both
/// <c>check</c> (which refuses what a run could not use) and the run.
/// </summary>
public static partial class PostgresDsn
{
    /// <summary>The libpq keywords understood, with the spellings of the semicolon form that mean the same.</summary>
    private static readonly Dictionary<string, string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["host"] = "host", ["server"] = "host", ["hostaddr"] = "hostaddr",
        ["port"] = "port",
        ["dbname"] = "dbname", ["database"] = "dbname",
        ["user"] = "user", ["username"] = "user", ["user id"] = "user", ["userid"] = "user",
        ["password"] = "password",
        ["sslmode"] = "sslmode", ["ssl mode"] = "sslmode",
        ["sslrootcert"] = "sslrootcert", ["root certificate"] = "sslrootcert",
        ["sslcert"] = "sslcert", ["ssl certificate"] = "sslcert",
        ["sslkey"] = "sslkey", ["ssl key"] = "sslkey",
        ["connect_timeout"] = "connect_timeout", ["timeout"] = "connect_timeout",
        ["application_name"] = "application_name", ["application name"] = "application_name",
        ["target_session_attrs"] = "target_session_attrs", ["target session attributes"] = "target_session_attrs",
        ["options"] = "options",
    };

    /// <summary>Settings of the .NET driver (semicolon form) with no libpq keyword: passed to it as <c>npgsql:&lt;name&gt;</c>.</summary>
    private static readonly string[] DriverSettings =
    [
        "pooling", "minimum pool size", "maximum pool size", "min pool size", "max pool size", "command timeout", "keepalive",
        "include error detail", "trust server certificate", "search path", "connection idle lifetime", "connection lifetime",
        "no reset on close", "enlist", "read buffer size", "write buffer size", "timezone", "load balance hosts", "host recheck seconds",
    ];

    public const string DriverPrefix = "npgsql:";

    public static readonly string[] SslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
    public static readonly string[] SessionAttrs = ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"];

    private const string Forms = "a postgresql://user@host:5432/db URI, libpq 'host=… port=… dbname=… user=…', or 'Host=…;Port=…;Database=…'";

    /// <summary>True when the value is a secret reference (<c>secret:NAME</c>, <c>${secret:NAME}</c>, <c>ssm:/path</c>) or still holds a <c>${VAR}</c>: known only at run time.</summary>
    public static bool IsDeferred(string value) => Reference().IsMatch(value) || value.Contains("${", StringComparison.Ordinal);

    /// <summary>Reads <paramref name="dsn"/> into libpq keywords; throws <see cref="FormatException"/> with a message saying what is wrong (never the password).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string dsn)
    {
        var text = dsn.Trim();
        if (text.Length == 0) throw new FormatException($"the connection string is empty; write {Forms}");
        var pairs = text.Contains("://", StringComparison.Ordinal) ? FromUri(text)
            : text.Contains(';', StringComparison.Ordinal) ? FromSemicolons(text)
            : FromKeywords(text);
        var result = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in pairs)
        {
            var name = key.Trim();
            if (DriverSettings.Contains(name.ToLowerInvariant()))
            {
                result.Add(KeyValuePair.Create(DriverPrefix + name.ToLowerInvariant(), value));
                continue;
            }
            if (!Keywords.TryGetValue(name, out var canonical))
                throw new FormatException($"unknown connection keyword '{name}'; known: {string.Join(", ", Keywords.Values.Distinct())}, " +
                    $"and the driver settings {string.Join(", ", DriverSettings)}");
            Validate(canonical, value);
            result.RemoveAll(kv => kv.Key == canonical);
            result.Add(KeyValuePair.Create(canonical, value));
        }
        if (result.Count == 0) throw new FormatException($"no connection settings found; write {Forms}");
        return result;
    }

    private static void Validate(string key, string value)
    {
        switch (key)
        {
            case "port" when !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535:
                throw new FormatException($"port '{value}' is not a port number (1-65535)");
            case "connect_timeout" when !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _):
                throw new FormatException($"connect_timeout '{value}' is not a number of seconds");
            case "sslmode" when !SslModes.Contains(value.ToLowerInvariant()):
                throw new FormatException($"sslmode '{value}' is not one of {string.Join(", ", SslModes)}");
            case "target_session_attrs" when !SessionAttrs.Contains(value.ToLowerInvariant()):
                throw new FormatException($"target_session_attrs '{value}' is not one of {string.Join(", ", SessionAttrs)}");
        }
    }

    private static List<KeyValuePair<string, string>> FromUri(string text)
    {
        var scheme = text[..text.IndexOf("://", StringComparison.Ordinal)].ToLowerInvariant();
        if (scheme is not ("postgres" or "postgresql" or "postgresql+psycopg2"))
            throw new FormatException($"'{scheme}://' is not a PostgreSQL URI; write {Forms}");
        if (!Uri.TryCreate("postgresql" + text[text.IndexOf("://", StringComparison.Ordinal)..], UriKind.Absolute, out var uri))
            throw new FormatException($"the URI cannot be read; write {Forms} (percent-encode special characters of the password)");
        var pairs = new List<KeyValuePair<string, string>>();
        if (uri.Host.Length > 0) pairs.Add(KeyValuePair.Create("host", uri.Host));
        if (!uri.IsDefaultPort && uri.Port > 0) pairs.Add(KeyValuePair.Create("port", uri.Port.ToString(CultureInfo.InvariantCulture)));
        var db = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (db.Length > 0) pairs.Add(KeyValuePair.Create("dbname", db));
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            pairs.Add(KeyValuePair.Create("user", Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon])));
            if (colon >= 0) pairs.Add(KeyValuePair.Create("password", Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..])));
        }
        foreach (var part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new FormatException($"URI parameter '{part}' has no value; write name=value");
            pairs.Add(KeyValuePair.Create(Uri.UnescapeDataString(part[..eq]), Uri.UnescapeDataString(part[(eq + 1)..])));
        }
        return pairs;
    }

    private static List<KeyValuePair<string, string>> FromSemicolons(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new FormatException($"'{Shown(part)}' is not a Key=Value setting; write {Forms}");
            pairs.Add(KeyValuePair.Create(part[..eq].Trim(), part[(eq + 1)..].Trim()));
        }
        return pairs;
    }

    /// <summary>libpq's keyword/value form: <c>key = value</c> separated by spaces; a value in single quotes may hold spaces, <c>\'</c> and <c>\\</c>.</summary>
    private static List<KeyValuePair<string, string>> FromKeywords(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i == text.Length) return pairs;
            var start = i;
            while (i < text.Length && text[i] != '=' && !char.IsWhiteSpace(text[i])) i++;
            var key = text[start..i];
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i == text.Length || text[i] != '=')
                throw new FormatException($"'{Shown(key)}' is not a setting (expected keyword=value); write {Forms}");
            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '\'')
            {
                i++;
                while (true)
                {
                    if (i == text.Length) throw new FormatException($"the value of '{key}' has no closing quote");
                    if (text[i] == '\\' && i + 1 < text.Length) { value.Append(text[i + 1]); i += 2; continue; }
                    if (text[i] == '\'') { i++; break; }
                    value.Append(text[i++]);
                }
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    if (text[i] == '\\' && i + 1 < text.Length) { value.Append(text[i + 1]); i += 2; continue; }
                    value.Append(text[i++]);
                }
            }
            pairs.Add(KeyValuePair.Create(key, value.ToString()));
        }
    }

    /// <summary>A fragment for a message: short, and never a whole secret-looking value.</summary>
    private static string Shown(string part) => part.Length <= 30 ? part : part[..30] + "…";

    [GeneratedRegex(@"^\s*(?:\$\{)?(?:secret:[A-Za-z0-9_.\-]+|ssm:/[^}\s]+)\}?\s*$")]
    private static partial Regex Reference();
}
