using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Core.Config.Jobs;
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
            var resolved = await o.Secrets.ResolveAsync(tenant, Expand(dsn, o.Env), ct).ConfigureAwait(false)!;
            var fromDsn = resolved!.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) ? FromUri(resolved) : new NpgsqlConnectionStringBuilder(resolved);
            foreach (var key in fromDsn.Keys) b[key] = fromDsn[key];
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
                case "sslmode": b.SslMode = Enum.Parse<SslMode>(v, true); break;
            }
        }
    }

    private static NpgsqlConnectionStringBuilder FromUri(string s)
    {
        var u = new Uri(s);
        var b = new NpgsqlConnectionStringBuilder { Host = u.Host, Database = u.AbsolutePath.Trim('/') };
        if (u.Port > 0) b.Port = u.Port;
        if (u.UserInfo.Length > 0)
        {
            var parts = u.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length > 1) b.Password = Uri.UnescapeDataString(parts[1]);
        }
        return b;
    }

    public static string Expand(string text, Func<string, string?> env) => Var().Replace(text, m =>
        env(m.Groups["name"].Value) is { Length: > 0 } v ? v : m.Groups["def"].Success ? m.Groups["def"].Value : "");

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<def>[^}]*))?\}")]
    private static partial Regex Var();
}
