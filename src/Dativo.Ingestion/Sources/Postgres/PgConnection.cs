using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Connectors;
using Dativo.Core.Errors;
using Dativo.Ingestion.Running;
using Dativo.Ingestion.Secrets;
using Npgsql;

namespace Dativo.Ingestion.Sources.Postgres;

/// <summary>
/// The connection string of a postgres source, lowest precedence first: recipe template, the tenant's
/// <c>postgres</c> secret (.env with PG* keys), job source.connection, source.dsn; <c>${VAR}</c> /
/// <c>${VAR:-default}</c> expand from the environment; values may be secret references.
/// </summary>
internal static partial class PgConnection
{
    public static Task<string> BuildAsync(LoadedJob job, RunOptions o, CancellationToken ct) => BuildAsync(job, o.Secrets, o.Env, ct);

    public static async Task<string> BuildAsync(LoadedJob job, SecretResolver secrets, Func<string, string?> env, CancellationToken ct)
    {
        var o = (Secrets: secrets, Env: env);
        var tenant = job.Config.TenantId;
        var b = new NpgsqlConnectionStringBuilder { Host = "localhost", Port = 5432, Username = "postgres", Database = "postgres" };
        await ApplyAsync(b, job.SourceRecipe.ConnectionTemplate, job, o, ct).ConfigureAwait(false);
        if (await o.Secrets.GetAsync(tenant, "postgres", ct).ConfigureAwait(false) is { } secret)
        {
            var kv = SecretResolver.ParseEnv(secret);
            if (kv.TryGetValue("PGHOST", out var h)) b.Host = h;
            if (kv.TryGetValue("PGPORT", out var p) && int.TryParse(p, out var port)) b.Port = port;
            if (kv.TryGetValue("PGDATABASE", out var d)) b.Database = d;
            if (kv.TryGetValue("PGUSER", out var u)) b.Username = u;
            if (kv.TryGetValue("PGPASSWORD", out var pw)) b.Password = pw;
        }
        if (job.Config.Source.Connection is { } conn) await ApplyAsync(b, conn, job, o, ct).ConfigureAwait(false);
        if (o.Env("PGPASSWORD") is { } envPw && b.Password is null) b.Password = envPw;
        if (job.Config.Source.Dsn is { } dsn)
        {
            var resolved = await o.Secrets.ResolveAsync(tenant, Expand(dsn, o.Env), ct).ConfigureAwait(false) ?? "";
            IReadOnlyList<KeyValuePair<string, string>> settings;
            try { settings = PostgresDsn.Parse(resolved); }
            catch (FormatException e)
            {
                throw new DativoException($"{job.File}: source.dsn{(PostgresDsn.IsDeferred(dsn) ? " (as its reference resolved)" : "")}: {e.Message}");
            }
            foreach (var (key, value) in settings)
                if (key != "hostaddr" || !settings.Any(kv => kv.Key == "host")) Set(b, key, value);
        }
        b.Timezone = "UTC";
        b.ApplicationName = "dativo";
        b.CommandTimeout = 0;
        return b.ConnectionString;
    }

    private static async Task ApplyAsync(NpgsqlConnectionStringBuilder b, JsonObject conn, LoadedJob job, (SecretResolver Secrets, Func<string, string?> Env) o, CancellationToken ct)
    {
        foreach (var (k, node) in conn)
        {
            if (node is not JsonValue) continue;
            var raw = Expand(node.ToString(), o.Env);
            var v = await o.Secrets.ResolveAsync(job.Config.TenantId, raw, ct).ConfigureAwait(false);
            if (string.IsNullOrEmpty(v)) continue;
            switch (k.ToLowerInvariant())
            {
                case "host": b.Host = v; break;
                case "port": if (int.TryParse(v, out var p)) b.Port = p; break;
                case "database" or "dbname": b.Database = v; break;
                case "user" or "username": b.Username = v; break;
                case "password": b.Password = v; break;
                case "sslmode":
                    if (!PostgresDsn.SslModes.Contains(v.ToLowerInvariant()))
                        throw new DativoException($"{job.File}: source.connection.sslmode '{v}' is not one of {string.Join(", ", PostgresDsn.SslModes)}");
                    Set(b, "sslmode", v);
                    break;
            }
        }
    }

    /// <summary>Applies one libpq keyword (as read by <see cref="PostgresDsn"/>) to the Npgsql builder.</summary>
    private static void Set(NpgsqlConnectionStringBuilder b, string key, string value)
    {
        switch (key)
        {
            case "host": b.Host = value; break;
            case "hostaddr": b.Host = value; break; // used only when no host is given
            case "port": b.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "dbname": b.Database = value; break;
            case "user": b.Username = value; break;
            case "password": b.Password = value; break;
            case "sslmode": b.SslMode = value.ToLowerInvariant() switch
            {
                "disable" => SslMode.Disable, "allow" => SslMode.Allow, "prefer" => SslMode.Prefer, "require" => SslMode.Require,
                "verify-ca" => SslMode.VerifyCA, _ => SslMode.VerifyFull,
            }; break;
            case "sslrootcert": b.RootCertificate = value; break;
            case "sslcert": b.SslCertificate = value; break;
            case "sslkey": b.SslKey = value; break;
            case "connect_timeout": b.Timeout = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "target_session_attrs": b.TargetSessionAttributes = value.ToLowerInvariant(); break;
            case "options": b.Options = value; break;
            // application_name: the connection is always named "dativo" (see BuildAsync)
            case var driver when driver.StartsWith(PostgresDsn.DriverPrefix, StringComparison.Ordinal):
                try { b[driver[PostgresDsn.DriverPrefix.Length..]] = value; }
                catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
                {
                    throw new DativoException($"source.dsn: '{driver[PostgresDsn.DriverPrefix.Length..]}' cannot be '{value}' ({e.Message})");
                }
                break;
        }
    }

    public static string Expand(string text, Func<string, string?> env) => Var().Replace(text, m =>
        env(m.Groups["name"].Value) is { Length: > 0 } v ? v : m.Groups["def"].Success ? m.Groups["def"].Value : "");

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<def>[^}]*))?\}")]
    private static partial Regex Var();
}
