using System.Reflection;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Config.Yaml;
using Dativo.Core.Contracts;

namespace Dativo.Core.Connectors;

/// <summary>Built-in recipes (embedded) and recipe files.</summary>
public static class ConnectorRecipes
{
    public static readonly string[] BuiltInNames = ["csv", "jsonl", "parquet", "postgres", "s3", "iceberg"];

    /// <summary>Source connector types this build has a reader for (anything else is refused by <c>check</c> and <c>run</c>).</summary>
    public static readonly string[] Readable = ["csv", "jsonl", "ndjson", "parquet", "s3", "file", "postgres", "postgresql"];

    /// <summary>Aliases of built-in names accepted in jobs.</summary>
    private static readonly Dictionary<string, string> Aliases = new() { ["ndjson"] = "jsonl", ["json"] = "jsonl", ["postgresql"] = "postgres" };

    public static ConnectorRecipe? BuiltIn(string name)
    {
        var key = Aliases.GetValueOrDefault(name.ToLowerInvariant(), name.ToLowerInvariant());
        if (!BuiltInNames.Contains(key)) return null;
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Dativo.Core.Connectors.Recipes.{key}.yaml")!;
        var text = new StreamReader(stream).ReadToEnd();
        return Parse(YamlFile.Parse(text, $"built-in:{key}.yaml"), $"built-in:{key}.yaml", Environment.GetEnvironmentVariable, "built-in");
    }

    public static ConnectorRecipe LoadFile(string path, string shown, Func<string, string?> env) =>
        Parse(YamlFile.Load(path, shown), shown, env, shown);

    private static ConnectorRecipe Parse(YamlDotNet.RepresentationModel.YamlNode root, string shown, Func<string, string?> env, string origin)
    {
        // Connection templates keep ${VAR} for run time: expand with a resolver that leaves unset variables alone.
        var (json, issues) = SchemaBinder.Bind(root, ConnectorRecipe.Schema, shown, name => env(name) ?? "${" + name + "}");
        if (issues.Count > 0 || json is not JsonObject o) throw new ConfigException(issues);
        var inc = o["incremental"] as JsonObject;
        return new ConnectorRecipe
        {
            Type = ContractLoader.Str(o["type"])!,
            Description = ContractLoader.Str(o["description"]),
            Roles = ContractLoader.StrList(o["roles"]),
            AllowedInCloud = o["allowed_in_cloud"]?.GetValue<bool>() ?? true,
            FileFormat = ContractLoader.Str(o["file_format"]),
            StrategyDefault = ContractLoader.Str(inc?["strategy_default"]),
            CursorFieldDefault = ContractLoader.Str(inc?["cursor_field_default"]),
            LookbackDaysDefault = (int)(inc?["lookback_days_default"]?.GetValue<long>() ?? 0),
            PartitioningDefault = ContractLoader.StrList(o["partitioning_default"]),
            ConnectionTemplate = o["connection_template"] as JsonObject ?? [],
            Options = o["options"] as JsonObject ?? [],
            Origin = origin,
        };
    }
}
