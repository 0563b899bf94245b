using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Core.Config.Yaml;
using Dativo.Core.Errors;
using YamlDotNet.RepresentationModel;

namespace Dativo.Orchestration.Tasks.EmrCluster;

/// <summary>
/// An EMR cluster definition in the layout of the CYI launcher: <c>cluster.yaml</c> and <c>instances.yaml</c> (required),
/// <c>configurations.yaml</c> and <c>steps.yaml</c> (optional), each a part of the RunJobFlow request, merged in that order.
/// On top, as the launcher's payload did: <c>overrides</c> (deep merge: maps merged key by key, lists and values replaced),
/// <c>extend</c> (append items to the list at a dotted path, created when absent; an error when the node is not a list)
/// and <c>additional_step_args</c> (extend the Args of the named steps).
/// </summary>
internal static class ClusterConfig
{
    public static readonly string[] RequiredFiles = ["cluster.yaml", "instances.yaml"];
    public static readonly string[] OptionalFiles = ["configurations.yaml", "steps.yaml"];

    /// <summary>The merged RunJobFlow request from the files of <paramref name="folder"/>.</summary>
    public static JsonObject Load(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DativoException($"EMR cluster config folder not found: {folder} (it holds cluster.yaml, instances.yaml and optionally configurations.yaml, steps.yaml)");
        var request = new JsonObject();
        foreach (var name in RequiredFiles.Concat(OptionalFiles))
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path))
            {
                if (RequiredFiles.Contains(name)) throw new DativoException($"EMR cluster config: {path} is missing (cluster.yaml and instances.yaml are required)");
                continue;
            }
            if (ToJson(YamlFile.Load(path)) is not JsonObject part)
                throw new DativoException($"{path}: the file must hold a mapping of RunJobFlow request members (e.g. Name, ReleaseLabel, Instances, Steps)");
            Merge(request, part);
        }
        return request;
    }

    /// <summary>Deep merge of <paramref name="patch"/> into <paramref name="target"/>: maps merged, everything else replaced.</summary>
    public static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is JsonObject p && target[key] is JsonObject t) Merge(t, p);
            else target[key] = value?.DeepClone();
        }
    }

    /// <summary>Appends <paramref name="items"/> to the list at <paramref name="dottedPath"/> (created when absent).</summary>
    public static void Extend(JsonObject target, string dottedPath, JsonArray items)
    {
        var parts = dottedPath.Split('.');
        var node = target;
        foreach (var part in parts[..^1])
        {
            if (node[part] is null) node[part] = new JsonObject();
            node = node[part] as JsonObject ?? throw new DativoException($"extend '{dottedPath}': '{part}' is not a mapping");
        }
        var last = parts[^1];
        if (node[last] is null) node[last] = new JsonArray();
        if (node[last] is not JsonArray list) throw new DativoException($"extend '{dottedPath}': the node is not a list");
        foreach (var item in items) list.Add(item?.DeepClone());
    }

    /// <summary>Appends arguments to the <c>HadoopJarStep.Args</c> of every step named <paramref name="step"/>; unknown names are ignored, as in the launcher.</summary>
    public static void AddStepArgs(JsonObject request, string step, IEnumerable<string> args)
    {
        foreach (var s in Steps(request))
            if (s["Name"]?.GetValue<string>() == step) AppendArgs(s, args);
    }

    /// <summary>Appends arguments to every step (the run's identity, like the launcher's <c>--correlation_id … --export_date …</c>).</summary>
    public static void AddArgsToEveryStep(JsonObject request, IEnumerable<string> args)
    {
        var list = args.ToList();
        foreach (var s in Steps(request)) AppendArgs(s, list);
    }

    public static IEnumerable<JsonObject> Steps(JsonObject request) => (request["Steps"] as JsonArray)?.OfType<JsonObject>() ?? [];

    private static void AppendArgs(JsonObject step, IEnumerable<string> values)
    {
        if (step["HadoopJarStep"] is not JsonObject jar) step["HadoopJarStep"] = jar = new JsonObject();
        if (jar["Args"] is not JsonArray args) jar["Args"] = args = new JsonArray();
        foreach (var v in values) args.Add(v);
    }

    /// <summary>
    /// YAML to the JSON the EMR API takes: plain <c>true</c>/<c>false</c> are booleans and plain whole numbers are numbers
    /// (InstanceCount, VolumeSizeInGB); everything quoted, and every other scalar, is a string.
    /// </summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(ToJson)]),
        YamlScalarNode v when v.Style is YamlDotNet.Core.ScalarStyle.Plain => Plain(v.Value),
        YamlScalarNode v => JsonValue.Create(v.Value ?? ""),
        _ => null,
    };

    private static JsonNode? Plain(string? text) => text switch
    {
        null or "" or "~" or "null" => null,
        "true" or "True" => JsonValue.Create(true),
        "false" or "False" => JsonValue.Create(false),
        _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
        _ => JsonValue.Create(text),
    };
}
