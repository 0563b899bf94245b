using Dativo.Core.Text;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Config.Yaml;
using YamlDotNet.RepresentationModel;

namespace Dativo.Core.Contracts;

/// <summary>Loads an ODCS contract (flat v3 form or the legacy nested <c>asset:</c> form) with located errors.</summary>
public static class ContractLoader
{
    public static DataContract Load(string path, Func<string, string?> env, string? displayName = null)
    {
        var shown = displayName ?? path;
        return FromYaml(YamlFile.Load(path, shown), shown, env);
    }

    /// <summary>A contract from YAML text (e.g. one embedded in the program).</summary>
    public static DataContract Parse(string yaml, string displayName, Func<string, string?> env) =>
        FromYaml(YamlFile.Parse(yaml, displayName), displayName, env);

    private static DataContract FromYaml(YamlNode root, string shown, Func<string, string?> env)
    {
        var legacy = root is YamlMappingNode m && m.Children.Count == 1 && m.Children.Keys.First() is YamlScalarNode { Value: "asset" };
        var (json, issues) = SchemaBinder.Bind(root, legacy ? AssetSchema.Legacy : AssetSchema.Root, shown, env);
        var errors = issues.ToList();
        JsonObject? body = legacy ? json?["asset"] as JsonObject : json as JsonObject;
        var bodyNode = legacy ? ((YamlMappingNode)root).Children.Values.First() : root;
        if (errors.Count == 0 && body is not null && legacy) Migrate(body);

        var fields = new List<ContractField>();
        if (body?["schema"] is JsonArray schema && bodyNode is YamlMappingNode bm &&
            bm.Children.TryGetValue(new YamlScalarNode("schema"), out var schemaNode) && schemaNode is YamlSequenceNode seq)
        {
            for (var i = 0; i < schema.Count; i++)
            {
                var element = (JsonObject)schema[i]!;
                var elementNode = seq.Children[i];
                if (element["properties"] is JsonArray props)
                {
                    var propNodes = ((YamlSequenceNode)((YamlMappingNode)elementNode).Children[new YamlScalarNode("properties")]).Children;
                    for (var j = 0; j < props.Count; j++) fields.Add(ToField((JsonObject)props[j]!, propNodes[j], shown, $"schema[{i}].properties[{j}]", errors));
                }
                else
                    fields.Add(ToField(element, elementNode, shown, $"schema[{i}]", errors));
            }
        }

        var duplicates = fields.GroupBy(f => f.Name).Where(g => g.Count() > 1).Select(g => g.Last());
        foreach (var d in duplicates)
            errors.Add(new ConfigIssue(IssueSeverity.Error, shown, d.Line, 1, "schema", $"column '{d.Name}' is defined twice"));

        var owner = Owner(body);
        if (body is not null && errors.Count == 0 && string.IsNullOrWhiteSpace(owner))
            errors.Add(new ConfigIssue(IssueSeverity.Error, shown, (int)bodyNode.Start.Line, (int)bodyNode.Start.Column, legacy ? "asset.team.owner" : "team.owner",
                "the contract has no owner; add team: {owner: <email or team>} (every contract needs an accountable owner)"));
        if (body is not null && errors.Count == 0 && fields.Count == 0)
            errors.Add(new ConfigIssue(IssueSeverity.Error, shown, (int)bodyNode.Start.Line, 1, "schema", "the contract's schema has no columns"));

        if (errors.Any(e => e.Severity == IssueSeverity.Error) || body is null)
            throw new ConfigException(errors.Count > 0 ? errors : [new ConfigIssue(IssueSeverity.Error, shown, 1, 1, "", "the contract is empty")]);

        var compliance = body["compliance"] as JsonObject;
        var security = compliance?["security"] as JsonObject;
        return new DataContract
        {
            File = shown,
            Name = Str(body["name"])!,
            Version = Str(body["version"])!,
            Status = Str(body["status"]) ?? "active",
            Domain = Str(body["domain"]),
            DataProduct = Str(body["dataProduct"]),
            Tenant = Str(body["tenant"]),
            Tags = StrList(body["tags"]),
            SourceType = Str(body["source_type"]),
            Object = Str(body["object"]),
            TargetPartitioning = StrList(body["target"]?["partitioning"]),
            Fields = fields,
            Owner = owner!,
            Compliance = new ContractCompliance
            {
                Classification = StrList(compliance?["classification"]),
                Regulations = StrList(compliance?["regulations"]),
                RetentionDays = (int?)compliance?["retention_days"]?.GetValue<long>(),
                AccessControl = Str(security?["access_control"]),
                EncryptionRequired = security?["encryption_required"]?.GetValue<bool>(),
            },
            FinOps = ReadFinOps(body["finops"] as JsonObject),
        };
    }

    internal static FinOps ReadFinOps(JsonObject? o) => o is null ? new FinOps() : new FinOps
    {
        CostCenter = Str(o["cost_center"]),
        Project = Str(o["project"]),
        Environment = Str(o["environment"]),
        BusinessTags = o["business_tags"] is null ? null : StrList(o["business_tags"]),
    };

    /// <summary>Legacy → ODCS: governance.owner → team.owner, governance.tags → tags, governance classification/retention → compliance (merged, never overwriting).</summary>
    private static void Migrate(JsonObject body)
    {
        if (body["governance"] is not JsonObject gov) return;
        body.Remove("governance");
        if (gov["owner"] is not null && body["team"] is null)
            body["team"] = new JsonObject { ["owner"] = gov["owner"]!.DeepClone() };
        if (gov["tags"] is not null && body["tags"] is null)
            body["tags"] = gov["tags"]!.DeepClone();
        if (gov["classification"] is null && gov["retention_days"] is null) return;
        var compliance = body["compliance"] as JsonObject ?? [];
        if (compliance["classification"] is null && gov["classification"] is not null) compliance["classification"] = gov["classification"]!.DeepClone();
        if (compliance["retention_days"] is null && gov["retention_days"] is not null) compliance["retention_days"] = gov["retention_days"]!.DeepClone();
        body["compliance"] = compliance;
    }

    private static string? Owner(JsonObject? body) => body?["team"] switch
    {
        JsonObject team => Str(team["owner"]),
        JsonArray members => members.OfType<JsonObject>()
            .Where(m => (Str(m["role"]) ?? "").Contains("owner", StringComparison.OrdinalIgnoreCase))
            .Select(m => Str(m["username"]) ?? Str(m["email"]) ?? Str(m["name"]))
            .FirstOrDefault(),
        _ => null,
    };

    private static ContractField ToField(JsonObject f, YamlNode node, string file, string path, List<ConfigIssue> errors)
    {
        var rawType = Str(f["type"]) ?? Str(f["logicalType"]) ?? Str(f["physicalType"]);
        var type = ContractTypes.Normalize(rawType);
        if (type is null)
        {
            var hint = NearMiss.Closest(rawType!, AssetSchema.FieldTypes);
            errors.Add(new ConfigIssue(IssueSeverity.Error, file, (int)node.Start.Line, (int)node.Start.Column, path + ".type",
                $"unknown column type '{rawType}'{(hint is null ? "" : $" (did you mean '{hint}'?)")}; use one of: {string.Join(", ", AssetSchema.FieldTypes)}"));
            type = "string";
        }
        var options = f["logicalTypeOptions"] as JsonObject;
        var required = f["required"]?.GetValue<bool>() ?? (f["nullable"] is JsonNode n ? !n.GetValue<bool>() : false);
        return new ContractField
        {
            Name = Str(f["name"])!,
            Type = type,
            Required = required,
            Classification = Str(f["classification"]),
            Description = Str(f["description"]),
            Tags = StrList(f["tags"]),
            Precision = (int?)(f["precision"] ?? options?["precision"])?.GetValue<long>(),
            Scale = (int?)(f["scale"] ?? options?["scale"])?.GetValue<long>(),
            Line = (int)node.Start.Line,
        };
    }

    internal static string? Str(JsonNode? n) => n is JsonValue v ? v.ToString() : null;

    internal static IReadOnlyList<string> StrList(JsonNode? n) => n switch
    {
        JsonArray a => [.. a.Select(Str).OfType<string>()],
        JsonValue v => [.. v.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
        _ => [],
    };
}
