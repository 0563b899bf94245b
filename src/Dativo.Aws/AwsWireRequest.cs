using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Dativo.Aws;

/// <summary>What goes on the wire for one operation: method, path and query (labels filled, encoded), target header, body.</summary>
internal sealed record AwsWireRequest(string Method, string PathAndQuery, string? Target, byte[] Body)
{
    public static AwsWireRequest Build(AwsService service, AwsOperation operation, JsonObject request, Uri endpoint)
    {
        var basePath = endpoint.AbsolutePath.TrimEnd('/');
        if (service.Protocol == AwsProtocol.Json)
            return new AwsWireRequest("POST", basePath + "/", $"{service.TargetPrefix}.{operation.Name}", Encoding.UTF8.GetBytes(request.ToJsonString()));

        var body = (JsonObject)request.DeepClone();
        var template = operation.Uri;
        var q = template.IndexOf('?', StringComparison.Ordinal);
        var query = new List<string>();
        if (q >= 0)
        {
            query.AddRange(template[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries));
            template = template[..q];
        }
        var path = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                path.Append(template, i, template.Length - i);
                break;
            }
            path.Append(template, i, open - i);
            var close = template.IndexOf('}', open);
            var label = template[(open + 1)..close];
            var greedy = label.EndsWith('+');
            if (greedy) label = label[..^1];
            var value = Scalar(body[label]) ?? throw new ArgumentException($"{operation.Name}: the URI label '{label}' has no value in the request");
            if (value.Length == 0) throw new ArgumentException($"{operation.Name}: the URI label '{label}' is empty");
            body.Remove(label);
            path.Append(greedy ? string.Join('/', value.Split('/').Select(SigV4Signer.Encode)) : SigV4Signer.Encode(value));
            i = close + 1;
        }
        foreach (var (member, name) in operation.Query ?? new Dictionary<string, string>())
        {
            var node = body[member];
            if (node is null) continue;
            body.Remove(member);
            var values = node is JsonArray a ? a.Select(Scalar) : [Scalar(node)];
            foreach (var v in values)
                if (v is not null) query.Add($"{SigV4Signer.Encode(name)}={SigV4Signer.Encode(v)}");
        }
        var hasBody = body.Count > 0 || operation.Method is "POST" or "PUT" or "PATCH";
        var pathAndQuery = basePath + path + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        return new AwsWireRequest(operation.Method, pathAndQuery, null, hasBody ? Encoding.UTF8.GetBytes(body.ToJsonString()) : []);
    }

    private static string? Scalar(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("R", CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };
}

/// <summary>Reads an error answer of the JSON protocols: the code from <c>x-amzn-ErrorType</c>, else <c>__type</c> / <c>code</c>.</summary>
internal static class AwsErrorAnswer
{
    public static AwsServiceException Parse(AwsService service, string operation, AwsAnswer answer)
    {
        JsonObject? body = null;
        try { body = string.IsNullOrWhiteSpace(answer.Body) ? null : JsonNode.Parse(answer.Body) as JsonObject; }
        catch (System.Text.Json.JsonException) { }
        var raw = answer.ErrorTypeHeader ?? Str(body, "__type") ?? Str(body, "code") ?? Str(body, "Code");
        var code = raw is null ? $"HTTP{answer.Status}" : Clean(raw);
        var message = Str(body, "message") ?? Str(body, "Message") ?? Str(body, "errorMessage") ?? "";
        return new AwsServiceException(service.ServiceId, operation, answer.Status, code, message, answer.RequestId);
    }

    private static string Clean(string raw)
    {
        var colon = raw.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0) raw = raw[..colon];
        var hash = raw.LastIndexOf('#');
        return (hash >= 0 ? raw[(hash + 1)..] : raw).Trim();
    }

    private static string? Str(JsonObject? o, string key) => o?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
