using Dativo.Core.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Config.Yaml;
using Dativo.Core.Connectors;
using Dativo.Core.Contracts;
using YamlDotNet.RepresentationModel;

namespace Dativo.Core.Config.Jobs;

public enum RunMode { SelfHosted, Cloud }

/// <summary>
/// What a job is loaded for. <see cref="Run"/> (also <c>check</c>) validates everything a run would use;
/// <see cref="Tags"/> (<c>tags</c>, <c>infra tfvars</c>) only what tags and Terraform variables are derived from — the
/// contract, governance, FinOps and the infrastructure block — so a job whose connectors cannot run here still works.
/// </summary>
public enum JobUse { Run, Tags }

/// <summary>
/// Loads a job file and everything it references, collecting every problem with its location
/// before giving up, so a user fixes a config in one pass: schema errors do not hide contract, connector,
/// target, incremental, engine or catalog errors.
/// </summary>
public static class JobLoader
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    /// <param name="contractMayBeMissing">
    /// For <c>dativo discover --contract-out</c>, which drafts the contract: a contract file that does not exist yet stands
    /// for an empty contract named after the job's <c>asset</c> (else the file's name).
    /// </param>
    public static LoadedJob Load(string path, Func<string, string?>? env = null, RunMode mode = RunMode.SelfHosted, JobUse use = JobUse.Run, bool contractMayBeMissing = false)
    {
        env ??= Environment.GetEnvironmentVariable;
        var shown = DisplayPath(Path.GetFullPath(path));
        var root = YamlFile.Load(path, shown);
        var (json, issues) = SchemaBinder.Bind(root, JobSchema.Root, shown, env);
        var errors = issues.ToList();
        if (json is not JsonObject obj) throw new ConfigException(errors.Count > 0 ? errors : [new(IssueSeverity.Error, shown, 1, 1, "", "expected a YAML mapping")]);
        var ctx = new Context(shown, root, errors, []);

        // Keys already reported keep their (partial) values out of the checks below; required strings get a
        // placeholder so the rest of the file is still checked.
        DropNulls(obj);
        obj["tenant_id"] ??= "";
        obj["asset_path"] ??= "";
        TargetCatalog.Normalize(obj, ctx, use == JobUse.Run);
        JobConfig config;
        try { config = obj.Deserialize<JobConfig>(Json)!; }
        catch (JsonException) { throw new ConfigException(Sorted(errors, shown)); }

        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var draftPath = config.AssetPath.Length == 0 ? null : ResolvePath(dir, config.AssetPath);
        var contract = draftPath is null ? null
            : contractMayBeMissing && !File.Exists(draftPath)
                ? new DataContract { Name = config.Asset ?? Path.GetFileNameWithoutExtension(draftPath), Version = "0", Fields = [], Owner = "", File = draftPath }
                : LoadContract(ctx, dir, config, env);
        var source = LoadRecipe(ctx, dir, "source", config.SourceConnector, config.SourceConnectorPath, config.Source.Type, env, use);
        var target = LoadRecipe(ctx, dir, "target", config.TargetConnector, config.TargetConnectorPath, config.Target.Type ?? "iceberg", env, use);

        var job = new LoadedJob
        {
            File = path, Config = config,
            Contract = contract ?? Placeholder.Contract, SourceRecipe = source ?? Placeholder.Recipe(config.SourceConnector ?? config.Source.Type),
            TargetRecipe = target ?? Placeholder.Recipe(config.TargetConnector ?? config.Target.Type),
        };
        try
        {
            JobRules.Check(job, new JobRules.Known(contract is not null, source is not null, target is not null), ctx, mode, use);
        }
        catch (Exception) when (errors.Count > 0)
        {
            // a value the schema refused left the job incomplete in a way a rule did not expect: report what is known
        }
        if (errors.Count > 0) throw new ConfigException(Sorted([.. errors, .. ctx.Warnings], shown));
        return job with { Warnings = ctx.Warnings };
    }

    /// <summary>Free-form values, kept as written (a null there is a value, e.g. a Terraform variable set to null).</summary>
    private static readonly string[] FreeForm =
        ["infrastructure.metadata.variables", "infrastructure.terraform.backend_config", "infrastructure.resources", "source.connection",
         "source.credentials", "source.rate_limits", "source.engine", "target.engine", "finops"];

    /// <summary>Removes null values of the typed parts (explicit YAML nulls and values the schema refused) so the model's defaults apply.</summary>
    private static void DropNulls(JsonNode? node, string path = "")
    {
        if (FreeForm.Contains(path)) return;
        if (node is JsonObject o)
        {
            foreach (var key in o.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) o.Remove(key);
            foreach (var (k, v) in o) DropNulls(v, path.Length == 0 ? k : $"{path}.{k}");
        }
        else if (node is JsonArray a)
            foreach (var v in a) DropNulls(v, path);
    }

    /// <summary>The job file's problems first, in line order, then those of the files it references.</summary>
    private static List<ConfigIssue> Sorted(IEnumerable<ConfigIssue> issues, string jobFile) =>
        [.. issues.Distinct().OrderBy(i => i.File == jobFile ? 0 : 1).ThenBy(i => i.File, StringComparer.Ordinal).ThenBy(i => i.Line).ThenBy(i => i.Column)];

    public static string ResolvePath(string baseDir, string path) =>
        path.Contains("://", StringComparison.Ordinal) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(baseDir, path));

    private static DataContract? LoadContract(Context ctx, string dir, JobConfig config, Func<string, string?> env)
    {
        var assetPath = ResolvePath(dir, config.AssetPath);
        if (!File.Exists(assetPath))
        {
            ctx.Error("asset_path", $"contract file not found: {assetPath}; paths are relative to the job file's folder");
            return null;
        }
        try
        {
            return ContractLoader.Load(assetPath, env, DisplayPath(assetPath));
        }
        catch (ConfigException e)
        {
            ctx.Errors.AddRange(e.Issues);
            return null;
        }
        catch (Errors.DativoException e)
        {
            ctx.Error("asset_path", e.Message);
            return null;
        }
    }

    private static ConnectorRecipe? LoadRecipe(Context ctx, string dir, string role, string? name, string? recipePath, string? type, Func<string, string?> env, JobUse use)
    {
        if (recipePath is not null)
        {
            var full = ResolvePath(dir, recipePath);
            if (!File.Exists(full) && use == JobUse.Tags && (name ?? type) is { } named)
            {
                // tags and tfvars need only the connector's name
                ctx.Warnings.Add(ctx.Warning($"{role}_connector_path", $"connector recipe not found: {full}; tags use the connector name '{named}' (a run needs the recipe)"));
                return ConnectorRecipes.BuiltIn(named) ?? Placeholder.Recipe(named);
            }
            if (!File.Exists(full))
            {
                var builtIn = name ?? type;
                var hint = builtIn is not null && ConnectorRecipes.BuiltIn(builtIn) is not null
                    ? $"; '{builtIn}' is built in, so you can delete {role}_connector_path"
                    : "";
                ctx.Error($"{role}_connector_path", $"connector recipe not found: {full}{hint}");
                return null;
            }
            try
            {
                return ConnectorRecipes.LoadFile(full, DisplayPath(full), env);
            }
            catch (ConfigException e)
            {
                ctx.Errors.AddRange(e.Issues);
                return null;
            }
        }
        var wanted = name ?? type;
        if (wanted is null)
        {
            ctx.Error("", $"the job names no {role} connector; add {role}_connector: <{string.Join("|", ConnectorRecipes.BuiltInNames)}>");
            return null;
        }
        var recipe = ConnectorRecipes.BuiltIn(wanted);
        if (recipe is null && use == JobUse.Tags) return Placeholder.Recipe(wanted);
        if (recipe is null)
        {
            var hint = NearMiss.Closest(wanted, ConnectorRecipes.BuiltInNames);
            ctx.Error(name is not null ? $"{role}_connector" : $"{role}.type",
                $"unknown {role} connector '{wanted}'{(hint is null ? "" : $" (did you mean '{hint}'?)")}; built-in: {string.Join(", ", ConnectorRecipes.BuiltInNames)}, or give {role}_connector_path");
        }
        return recipe;
    }

    internal static string DisplayPath(string full)
    {
        var rel = Path.GetRelativePath(System.IO.Directory.GetCurrentDirectory(), full);
        return rel.StartsWith("..", StringComparison.Ordinal) ? full : rel;
    }

    internal sealed record Context(string File, YamlNode Root, List<ConfigIssue> Errors, List<ConfigIssue> Warnings)
    {
        private readonly int _schemaErrors = Errors.Count;

        /// <summary>Adds an error at <paramref name="keyPath"/>, unless the schema already reported that key (a second message about one value only confuses).</summary>
        public void Error(string keyPath, string message)
        {
            if (keyPath.Length > 0 && Errors.Take(_schemaErrors).Any(e => e.KeyPath.Length > 0 && (e.KeyPath == keyPath || keyPath.StartsWith(e.KeyPath + ".", StringComparison.Ordinal)))) return;
            var (line, col) = YamlLocator.Find(Root, keyPath);
            Errors.Add(new ConfigIssue(IssueSeverity.Error, File, line, col, keyPath, message));
        }

        public ConfigIssue Warning(string keyPath, string message)
        {
            var (line, col) = YamlLocator.Find(Root, keyPath);
            return new ConfigIssue(IssueSeverity.Warning, File, line, col, keyPath, message);
        }
    }
}

/// <summary>Stand-ins for a contract or recipe that could not be loaded (its error is reported): checks that need it are skipped.</summary>
internal static class Placeholder
{
    public static readonly DataContract Contract = new() { Name = "", Version = "", Fields = [], Owner = "" };

    public static ConnectorRecipe Recipe(string? type) => new() { Type = type ?? "", Roles = ["source", "target"], Origin = "unknown" };
}
