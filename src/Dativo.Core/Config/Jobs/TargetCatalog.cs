using System.Text.Json.Nodes;

namespace Dativo.Core.Config.Jobs;

/// <summary>
/// <c>target.catalog</c>: the Iceberg catalog a job commits to. Either a string — <c>sqlite</c> (default:
/// <c>&lt;warehouse&gt;/catalog.db</c>), a <c>postgresql://…</c>, <c>sqlite:///path</c> or <c>glue://</c> URI — or the reference
/// project's mapping <c>{type, uri, properties: {…}}</c>. Catalog types are looked up in <see cref="Types"/>: a new kind of
/// catalog is one more entry there (and its target); any other type is refused naming the supported ones.
/// </summary>
public static class TargetCatalog
{
    /// <summary>Catalog type → the catalog URI a mapping of that type designates (null: the default SQLite file).</summary>
    private static readonly Dictionary<string, Func<JsonObject, string?>> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sql"] = m => Setting(m, "uri"),
        ["glue"] = m => Setting(m, "uri") ?? GlueUri(Setting(m, "catalog_id", "glue.id", "account_id"), Setting(m, "region", "glue.region", "region_name")),
    };

    /// <summary>A setting of a catalog mapping: on the mapping itself, else under its <c>properties</c>, by any of its names.</summary>
    private static string? Setting(JsonObject m, params string[] names) =>
        names.Select(n => Text(m[n]) ?? Text((m["properties"] as JsonObject)?[n])).FirstOrDefault(v => v is not null);

    private static string GlueUri(string? account, string? region) =>
        "glue://" + account + (region is null ? "" : "?region=" + Uri.EscapeDataString(region));

    public static IEnumerable<string> Supported => Types.Keys;

    private static readonly string[] DefaultNames = ["sqlite", "sql", "default"];
    private static readonly string[] UriSchemes = ["postgresql://", "postgres://", "postgresql+psycopg2://", "sqlite:///", "file:", "glue://"];

    private const string Forms = "sqlite (default: <warehouse>/catalog.db), a postgresql://user@host:5432/db or sqlite:///path/catalog.db URI, " +
        "glue://[account id][?region=…] for the AWS Glue Data Catalog, or a mapping {type: sql|glue, …}";

    /// <summary>
    /// Replaces a mapping <c>target.catalog</c> in the bound job by the string form the target reads, and reports
    /// what a run could not use (only when <paramref name="forRun"/>: tags and tfvars need no catalog).
    /// </summary>
    internal static void Normalize(JsonObject job, JobLoader.Context ctx, bool forRun)
    {
        if (job["target"] is not JsonObject target || target["catalog"] is not { } node) return;
        if (node is JsonObject mapping)
        {
            var type = Text(mapping["type"]) ?? "sql";
            if (Types.TryGetValue(type, out var uriOf))
            {
                target["catalog"] = uriOf(mapping);
                if (forRun) CheckText(target["catalog"], "target.catalog.uri", ctx);
                return;
            }
            target["catalog"] = null;
            if (forRun)
                ctx.Error("target.catalog.type", $"catalog type '{type}' is not supported by this build; supported: {string.Join(", ", Supported)} " +
                    "(sql: an Iceberg SQL catalog in SQLite or PostgreSQL, shared with Spark's JdbcCatalog; glue: the AWS Glue Data Catalog): " +
                    "write catalog: {type: sql, uri: postgresql://…} or {type: glue, region: …}, or remove it for <warehouse>/catalog.db");
            return;
        }
        if (forRun) CheckText(node, "target.catalog", ctx);
    }

    private static void CheckText(JsonNode? node, string keyPath, JobLoader.Context ctx)
    {
        if (Text(node) is not { } text || text.Contains("${", StringComparison.Ordinal)) return;
        if (DefaultNames.Contains(text.ToLowerInvariant()) || text == "none") return;
        if (UriSchemes.Any(s => text.StartsWith(s, StringComparison.OrdinalIgnoreCase))) return;
        ctx.Error(keyPath, $"'{Show(text)}' is not a catalog this build opens; use {Forms}");
    }

    /// <summary>The catalog an Iceberg run commits to needs a database: refused up front when there is none, or 'none'.</summary>
    internal static void CheckForIceberg(LoadedJob job, JobLoader.Context ctx)
    {
        var catalog = job.Config.Target.Catalog;
        if (catalog == "none")
            ctx.Error("target.catalog", "an Iceberg table needs a catalog ('none' fits a parquet dataset target only); remove it for <warehouse>/catalog.db, or write a postgresql:// URI");
        else if (string.IsNullOrWhiteSpace(catalog) && job.Config.Target.Warehouse is { } wh && wh.Contains("://", StringComparison.Ordinal)
                 && !wh.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            ctx.Error("target.warehouse", $"the warehouse {wh} is not a local folder, so the Iceberg catalog cannot be the default <warehouse>/catalog.db file: " +
                "set target.catalog to a postgresql://user@host:5432/db URI (or {type: sql, uri: …}), or to sqlite:///path/catalog.db on this machine");
    }

    private static string? Text(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    /// <summary>The value for a message: without user and password, shortened.</summary>
    private static string Show(string s)
    {
        var scheme = s.IndexOf("://", StringComparison.Ordinal);
        var at = s.LastIndexOf('@');
        if (at > scheme) s = (scheme >= 0 ? s[..(scheme + 3)] : "") + "…" + s[at..];
        return s.Length <= 60 ? s : s[..60] + "…";
    }
}
