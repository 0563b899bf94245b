using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Dativo.Server.Api;

internal static class Json
{
    public static IResult Of(JsonNode node, int status = 200) => Results.Text(node.ToJsonString(), "application/json", statusCode: status);

    /// <summary>A route segment that may hold an escaped '/' (run ids, job ids): Kestrel leaves %2F encoded, so it is decoded here.</summary>
    public static string Id(string segment) => Uri.UnescapeDataString(segment);
}
