using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Config.Schema;
using Dativo.Core.Config.Yaml;
using Dativo.Core.Errors;
using static Dativo.Core.Config.Schema.S;

namespace Dativo.Server.Config;

/// <summary>
/// What <c>dativo serve</c> runs: read from <c>dativo.yaml</c> (optional), then environment variables, then flags (each
/// overrides the one before). Relative paths are relative to the folder of <c>dativo.yaml</c> (or the working directory).
/// </summary>
public sealed record ServerConfig
{
    public string Urls { get; init; } = "http://127.0.0.1:8080";
    public string Pipelines { get; init; } = "pipelines";
    public string Jobs { get; init; } = "jobs";
    public string Warehouse { get; init; } = ".local/lake";
    public string? Catalog { get; init; }
    public string? State { get; init; }
    public string? Streams { get; init; }
    public bool AuthRequired { get; init; }
    public string? TlsCertificate { get; init; }
    public string? TlsPasswordEnv { get; init; }
    public bool Schedule { get; init; } = true;
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Worker loops in this process (0: none; runs triggered through the API then run in-process, else they are queued for workers).</summary>
    public int Workers { get; init; }

    /// <summary>The working directory everything relative resolves against (the folder of dativo.yaml).</summary>
    public string BaseDir { get; init; } = Environment.CurrentDirectory;

    public string Resolve(string path) => path.Contains("://", StringComparison.Ordinal) ? path : Path.GetFullPath(Path.Combine(BaseDir, path));

    public static readonly ObjectSchema Schema = Obj("dativo serve configuration (dativo.yaml)",
        P("urls", Str("addresses to listen on, ';'-separated (default http://127.0.0.1:8080); anything but loopback requires API keys")),
        P("pipelines", Str("folder of pipeline files (default ./pipelines)")),
        P("jobs", Str("folder of job files (default ./jobs)")),
        P("warehouse", Str("warehouse folder or s3://bucket/prefix (default ./.local/lake)")),
        P("catalog", Str("catalog database URI (default <warehouse>/catalog.db)")),
        P("state", Str("run history and API keys: a SQLite file or folder, or postgresql://... (default .dativo/state.db)")),
        P("streams", Str("delivery streams file (the streaming service)")),
        P("schedule", Bool("run the schedules and triggers of the pipelines (default true)")),
        P("workers", new IntegerSchema { Description = "worker loops in this server (default 0): API-triggered and scheduled runs are then queued and taken by any worker sharing the state store", Minimum = 0 }),
        P("shutdown_grace", new StringSchema { Description = "on stop, how long running runs may finish before they are checkpointed (e.g. 30s)", Pattern = @"^\d+(ms|s|m)$" }),
        P("auth", Obj("API keys",
            P("required", Bool("require a key on loopback too (always required on other addresses)")))),
        P("tls", Obj("HTTPS",
            Req("certificate", Str("PKCS#12 (.pfx) certificate file")),
            P("password_env", Str("environment variable holding the certificate password")))));

    /// <summary>Environment variables that override the file (flags override both).</summary>
    public static readonly IReadOnlyDictionary<string, string> EnvVars = new Dictionary<string, string>
    {
        ["DATIVO_URLS"] = "urls", ["DATIVO_PIPELINES"] = "pipelines", ["DATIVO_JOBS"] = "jobs", ["DATIVO_WAREHOUSE"] = "warehouse",
        ["DATIVO_CATALOG"] = "catalog", ["DATIVO_STATE"] = "state", ["DATIVO_STREAMS"] = "streams", ["DATIVO_AUTH_REQUIRED"] = "auth.required",
        ["DATIVO_TLS_CERTIFICATE"] = "tls.certificate", ["DATIVO_WORKERS"] = "workers",
    };

    /// <summary>
    /// Loads <paramref name="file"/> (a <see cref="ConfigException"/> with file:line on a bad value; none when null and
    /// <c>dativo.yaml</c> is absent), then applies the environment and <paramref name="flags"/> (keys as in the file, dotted).
    /// </summary>
    public static ServerConfig Load(string? file, string workDir, Func<string, string?> env, IReadOnlyDictionary<string, string?> flags)
    {
        var path = file is null ? Path.Combine(workDir, "dativo.yaml") : Path.GetFullPath(Path.Combine(workDir, file));
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var baseDir = workDir;
        if (file is not null || File.Exists(path))
        {
            var shown = Path.GetRelativePath(workDir, path);
            var root = YamlFile.Load(path, shown);
            var (json, issues) = SchemaBinder.Bind(root, Schema, shown, env);
            if (issues.Count > 0) throw new ConfigException(issues);
            if (json is not JsonObject o) throw ConfigException.At(shown, 1, 1, "", "expected a YAML mapping");
            Flatten(o, "", values);
            baseDir = Path.GetDirectoryName(path)!;
        }
        foreach (var (name, key) in EnvVars)
            if (env(name) is { Length: > 0 } v) values[key] = v;
        foreach (var (key, v) in flags)
            if (v is not null) values[key] = v;
        return From(values, baseDir);
    }

    private static void Flatten(JsonObject o, string prefix, Dictionary<string, string> into)
    {
        foreach (var (k, v) in o)
        {
            if (v is JsonObject child) Flatten(child, prefix + k + ".", into);
            else if (v is not null) into[prefix + k] = v.ToString();
        }
    }

    private static ServerConfig From(Dictionary<string, string> v, string baseDir)
    {
        var c = new ServerConfig { BaseDir = baseDir };
        string? S(string k) => v.GetValueOrDefault(k);
        bool B(string k, bool dflt) => S(k) is not { } s ? dflt : bool.TryParse(s, out var b) ? b
            : throw new DativoException($"{k}: '{s}' is not true or false");
        c = c with
        {
            Urls = S("urls") ?? c.Urls,
            Pipelines = S("pipelines") ?? c.Pipelines,
            Jobs = S("jobs") ?? c.Jobs,
            Warehouse = S("warehouse") ?? c.Warehouse,
            Catalog = S("catalog"),
            State = S("state"),
            Streams = S("streams"),
            Schedule = B("schedule", true),
            AuthRequired = B("auth.required", false),
            TlsCertificate = S("tls.certificate"),
            TlsPasswordEnv = S("tls.password_env"),
            ShutdownGrace = S("shutdown_grace") is { } g ? Grace(g) : c.ShutdownGrace,
            Workers = S("workers") is not { } w ? 0 : int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 64 ? n
                : throw new DativoException($"workers: '{w}' is not a whole number from 0 to 64"),
        };
        foreach (var u in c.UrlList)
            if (!Uri.TryCreate(u.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new DativoException($"urls: '{u}' is not an http:// or https:// address (e.g. http://127.0.0.1:8080)");
        if (c.UrlList.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)) && c.TlsCertificate is null)
            throw new DativoException("urls: an https:// address needs tls.certificate (a .pfx file) in dativo.yaml or --tls-cert");
        return c;
    }

    private static TimeSpan Grace(string s)
    {
        var unit = s.EndsWith("ms", StringComparison.Ordinal) ? "ms" : s[^1..];
        var n = double.Parse(s[..^unit.Length], CultureInfo.InvariantCulture);
        return unit switch { "ms" => TimeSpan.FromMilliseconds(n), "s" => TimeSpan.FromSeconds(n), _ => TimeSpan.FromMinutes(n) };
    }

    public IReadOnlyList<string> UrlList => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>True when every address is a loopback one (127.0.0.0/8, ::1, localhost): keys are then optional unless required.</summary>
    public bool LoopbackOnly => UrlList.All(u =>
    {
        var host = new Uri(u.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal)).Host.Trim('[', ']');
        return host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    });

    public bool KeysRequired => AuthRequired || !LoopbackOnly;
}
