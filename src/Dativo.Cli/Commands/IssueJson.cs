using System.Text.Json.Nodes;
using Dativo.Core.Config;

namespace Dativo.Cli.Commands;

internal static class IssueJson
{
    public static JsonArray Of(IEnumerable<ConfigIssue> issues) => new([.. issues.Select(i => (JsonNode)new JsonObject
    {
        ["severity"] = i.Severity == IssueSeverity.Error ? "error" : "warning",
        ["file"] = i.File,
        ["line"] = i.Line,
        ["column"] = i.Column,
        ["key_path"] = i.KeyPath,
        ["message"] = i.Message,
    })]);

    public static string Pretty(JsonNode node) => node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
}
