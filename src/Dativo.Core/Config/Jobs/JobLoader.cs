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
/// Loads a job file and everything it references, collecting every problem with its location
/// before giving up, so a user fixes a config in one pass.
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
    public static LoadedJob Load(string path, Func<string, string?>? env = null, RunMode mode = RunMode.SelfHosted, bool contractMayBeMissing = false)
    {
        env ??= Environment.GetEnvironmentVariable;
        var shown = Path.GetRelativePath(System.IO.Directory.GetCurrentDirectory(), Path.GetFullPath(path));
        if (shown.StartsWith("..", StringComparison.Ordinal)) shown = Path.GetFullPath(path);
        var root = YamlFile.Load(path, shown);
        var (json, issues) = SchemaBinder.Bind(root, JobSchema.Root, shown, env);
        var errors = issues.ToList();
        if (errors.Count > 0 || json is not JsonObject) throw new ConfigException(errors.Count > 0 ? errors : [new(IssueSeverity.Error, shown, 1, 1, "", "expected a YAML mapping")]);

        var config = json.Deserialize<JobConfig>(Json)!;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var ctx = new Context(shown, root, errors);

        var assetPath = ResolvePath(dir, config.AssetPath);
        var contract = contractMayBeMissing && !File.Exists(assetPath)
            ? new DataContract { Name = config.Asset ?? Path.GetFileNameWithoutExtension(assetPath), Version = "0", Fields = [], Owner = "", File = assetPath }
            : LoadContract(ctx, dir, config, env);
        var source = LoadRecipe(ctx, dir, "source", config.SourceConnector, config.SourceConnectorPath, config.Source.Type, env);
        var target = LoadRecipe(ctx, dir, "target", config.TargetConnector, config.TargetConnectorPath, config.Target.Type ?? "iceberg", env);
        if (errors.Count > 0 || contract is null || source is null || target is null) throw new ConfigException(errors);

        var job = new LoadedJob { File = path, Config = config, Contract = contract, SourceRecipe = source, TargetRecipe = target };
        var warnings = new List<ConfigIssue>();
        JobRules.Check(job, ctx, warnings, mode);
        if (errors.Count > 0) throw new ConfigException([.. errors, .. warnings]);
        return job with { Warnings = warnings };
    }

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

    private static ConnectorRecipe? LoadRecipe(Context ctx, string dir, string role, string? name, string? recipePath, string? type, Func<string, string?> env)
    {
        if (recipePath is not null)
        {
            var full = ResolvePath(dir, recipePath);
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
        if (recipe is null)
        {
            var hint = NearMiss.Closest(wanted, ConnectorRecipes.BuiltInNames);
            ctx.Error(name is not null ? $"{role}_connector" : $"{role}.type",
                $"unknown {role} connector '{wanted}'{(hint is null ? "" : $" (did you mean '{hint}'?)")}; built-in: {string.Join(", ", ConnectorRecipes.BuiltInNames)}, or give {role}_connector_path");
        }
        return recipe;
    }

    private static string DisplayPath(string full)
    {
        var rel = Path.GetRelativePath(System.IO.Directory.GetCurrentDirectory(), full);
        return rel.StartsWith("..", StringComparison.Ordinal) ? full : rel;
    }

    internal sealed record Context(string File, YamlNode Root, List<ConfigIssue> Errors)
    {
        public void Error(string keyPath, string message)
        {
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
