using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Config.Schema;
using Dativo.Core.Connectors;
using Dativo.Core.Contracts;

namespace Dativo.Core.Config;

/// <summary>The JSON Schemas published under <c>schemas/</c>, generated from the schemas the loaders use.</summary>
public static class PublishedSchemas
{
    private static readonly List<(string File, string Title, SchemaNode Schema)> Registry =
    [
        ("job.schema.json", "Dativo job", JobSchema.Root),
        ("contract.schema.json", "Dativo data contract (ODCS v3 flat form)", AssetSchema.Root),
        ("contract-legacy.schema.json", "Dativo legacy nested asset", AssetSchema.Legacy),
        ("connector.schema.json", "Dativo connector recipe", ConnectorRecipe.Schema),
    ];

    /// <summary>Lets higher layers (pipelines, streams) publish their schemas too.</summary>
    public static void Register(string file, string title, SchemaNode schema)
    {
        if (!Registry.Any(r => r.File == file)) Registry.Add((file, title, schema));
    }

    public static IEnumerable<(string File, string Text)> All() =>
        Registry.Select(r => (r.File, Render(r.Title, r.Schema)));

    private static string Render(string title, SchemaNode schema)
    {
        var o = new JsonObject { ["$schema"] = "http://json-schema.org/draft-07/schema#", ["title"] = title };
        foreach (var (k, v) in schema.ToJsonSchema()) o[k] = v?.DeepClone();
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
