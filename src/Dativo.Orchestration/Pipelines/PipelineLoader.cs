using Dativo.Core.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Config.Yaml;
using Dativo.Orchestration.Tasks;
using YamlDotNet.RepresentationModel;

namespace Dativo.Orchestration.Pipelines;

/// <summary>
/// Loads a pipeline file and checks everything that can be checked before anything runs: schema,
/// task types, dependencies and cycles, template variables, foreach sources, schedule and triggers.
/// Every problem is collected with file:line:column and key path.
/// </summary>
public static class PipelineLoader
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    public static LoadedPipeline Load(string path, TaskTypeRegistry registry, Func<string, string?>? env = null,
        IReadOnlyDictionary<string, string>? overrides = null, IEnumerable<string>? dataParams = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var full = Path.GetFullPath(path);
        var shown = Path.GetRelativePath(System.IO.Directory.GetCurrentDirectory(), full);
        if (shown.StartsWith("..", StringComparison.Ordinal)) shown = full;
        var root = YamlFile.Load(full, shown);
        var (json, bindIssues) = SchemaBinder.Bind(root, PipelineSchema.Root, shown, env);
        if (bindIssues.Count > 0 || json is not JsonObject)
            throw new ConfigException(bindIssues.Count > 0 ? bindIssues : [new(IssueSeverity.Error, shown, 1, 1, "", "expected a YAML mapping")]);
        var def = json.Deserialize<PipelineDefinition>(Json)!;

        var issues = new Issues(shown, root);
        var order = PipelineRules.Check(def, registry, issues);
        var parameters = new Dictionary<string, string>(def.Params, StringComparer.Ordinal);
        foreach (var (k, v) in overrides ?? new Dictionary<string, string>())
        {
            if (!parameters.ContainsKey(k))
                issues.Error("params", $"--set {k}: the pipeline declares no parameter '{k}'{NearMiss.Hint(k, parameters.Keys)}; declare it under params: with a default");
            else parameters[k] = v;
        }
        var tasks = Relaunch.Apply(def, order, issues);
        if (issues.List.Count > 0) throw new ConfigException(issues.List);
        return new LoadedPipeline
        {
            File = full,
            Directory = Path.GetDirectoryName(full)!,
            Definition = def,
            Tasks = tasks,
            Params = parameters,
            DataParams = new HashSet<string>((dataParams ?? []).Where(parameters.ContainsKey), StringComparer.Ordinal),
        };
    }

    internal sealed class Issues(string file, YamlNode root)
    {
        public List<ConfigIssue> List { get; } = [];

        public void Error(string keyPath, string message)
        {
            var (line, col) = YamlLocator.Find(root, keyPath);
            List.Add(new ConfigIssue(IssueSeverity.Error, file, line, col, keyPath, message));
        }
    }
}
