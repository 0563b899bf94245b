using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Testing;

namespace Dativo.Aws.Testing;

/// <summary>
/// A botocore service model (tests/fixtures/aws-models) used as the judge of what we send and what a test server
/// answers: it finds the operation a request calls (X-Amz-Target, or method + path for rest-json), rebuilds its input
/// (body, URI labels, query members) and checks it against the input shape: required members, types, enums,
/// min/max, patterns, unions, unknown members. Written from the model format, not from any SDK.
/// </summary>
internal sealed class BotocoreModel
{
    private static readonly ConcurrentDictionary<string, BotocoreModel> Cache = new(StringComparer.Ordinal);
    private readonly JsonObject _operations;
    private readonly JsonObject _shapes;
    private readonly ConcurrentDictionary<string, Regex?> _patterns = new(StringComparer.Ordinal);

    private BotocoreModel(string name, JsonObject model)
    {
        Name = name;
        var meta = model["metadata"]!.AsObject();
        ServiceId = (string)meta["serviceId"]!;
        TargetPrefix = (string?)meta["targetPrefix"];
        JsonVersion = (string?)meta["jsonVersion"] ?? "1.1";
        SigningName = (string?)meta["signingName"] ?? (string)meta["endpointPrefix"]!;
        var protocols = meta["protocols"] as JsonArray;
        // Services now list several protocols (CloudWatch: cbor, json, query); of those our client speaks json or rest-json.
        Protocol = protocols?.Select(p => (string?)p).FirstOrDefault(p => p is "json" or "rest-json") ?? (string)meta["protocol"]!;
        _operations = model["operations"]!.AsObject();
        _shapes = model["shapes"]!.AsObject();
    }

    /// <summary>e.g. "emr-serverless" for tests/fixtures/aws-models/emr-serverless.service-2.json.</summary>
    public static BotocoreModel Load(string name) => Cache.GetOrAdd(name, n =>
        new BotocoreModel(n, JsonNode.Parse(File.ReadAllText(Repo.Fixture("aws-models", n + ".service-2.json")))!.AsObject()));

    public string Name { get; }
    public string ServiceId { get; }
    public string Protocol { get; }
    public string? TargetPrefix { get; }
    public string JsonVersion { get; }
    public string SigningName { get; }

    public IEnumerable<string> OperationNames => _operations.Select(o => o.Key);

    /// <summary>The operation a request calls and its input as one JSON object, or the problems that make it invalid.</summary>
    public (string? Operation, JsonObject Input, List<string> Problems) CheckRequest(LocalHttpServer.Request request)
    {
        var problems = new List<string>();
        var (operation, input) = Protocol == "json" ? MatchJson(request, problems) : MatchRest(request, problems);
        if (operation is null) return (null, input, problems);
        var inputShape = (string?)_operations[operation]!["input"]?["shape"];
        if (inputShape is null)
        {
            if (input.Count > 0) problems.Add($"{operation} takes no input, got {input.ToJsonString()}");
        }
        else
        {
            CheckShape(inputShape, input, inputShape, problems);
            // SDKs always fill these; a hand-written call without one can apply twice when it is retried
            foreach (var (member, def) in Members(inputShape))
                if (def["idempotencyToken"] is JsonValue t && t.GetValue<bool>() && !input.ContainsKey(member))
                    problems.Add($"{inputShape}: the idempotency token '{member}' is not sent (a retried call could apply twice)");
        }
        return (operation, input, problems);
    }

    /// <summary>Problems of an operation's (successful) output against its output shape.</summary>
    public List<string> CheckResponse(string operation, JsonObject output)
    {
        var problems = new List<string>();
        var shape = (string?)Operation(operation)["output"]?["shape"];
        if (shape is null) { if (output.Count > 0) problems.Add($"{operation} has no output, the answer has {output.ToJsonString()}"); }
        else CheckShape(shape, output, $"{operation} output", problems);
        return problems;
    }

    /// <summary>Problems of <paramref name="value"/> against a named shape (for tests of the checker itself).</summary>
    public List<string> CheckShape(string shape, JsonNode? value)
    {
        var problems = new List<string>();
        CheckShape(shape, value, shape, problems);
        return problems;
    }

    public JsonObject Operation(string name) =>
        _operations[name]?.AsObject() ?? throw new ArgumentException($"{Name} has no operation '{name}'");

    /// <summary>The http trait of an operation as the client's operation descriptor (rest-json callers build theirs from this in tests).</summary>
    public AwsOperation Describe(string operation)
    {
        var op = Operation(operation);
        var http = op["http"]!;
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if ((string?)op["input"]?["shape"] is { } input)
            foreach (var (member, def) in Members(input))
                if ((string?)def["location"] == "querystring") query[member] = (string)def["locationName"]!;
        return new AwsOperation(operation, (string)http["method"]!, (string)http["requestUri"]!, query.Count > 0 ? query : null);
    }

    private (string?, JsonObject) MatchJson(LocalHttpServer.Request r, List<string> problems)
    {
        if (r.Method != "POST") problems.Add($"json protocol requests are POST, got {r.Method}");
        if (r.Path != "/") problems.Add($"json protocol requests go to '/', got '{r.Path}'");
        var contentType = r.Header("Content-Type");
        if (contentType != "application/x-amz-json-" + JsonVersion)
            problems.Add($"Content-Type must be application/x-amz-json-{JsonVersion}, got '{contentType}'");
        var target = r.Header("X-Amz-Target");
        string? operation = null;
        if (target is null || !target.StartsWith(TargetPrefix + ".", StringComparison.Ordinal))
            problems.Add($"X-Amz-Target must be '{TargetPrefix}.<operation>', got '{target}'");
        else if (!_operations.ContainsKey(target[(TargetPrefix!.Length + 1)..]))
            problems.Add($"unknown operation '{target[(TargetPrefix.Length + 1)..]}' for {ServiceId}");
        else
            operation = target[(TargetPrefix.Length + 1)..];
        return (operation, ParseBody(r, problems) ?? []);
    }

    private (string?, JsonObject) MatchRest(LocalHttpServer.Request r, List<string> problems)
    {
        foreach (var (name, node) in _operations)
        {
            var http = node!["http"]!;
            if ((string)http["method"]! != r.Method) continue;
            var template = (string)http["requestUri"]!;
            var staticQuery = template.Contains('?', StringComparison.Ordinal) ? template[(template.IndexOf('?', StringComparison.Ordinal) + 1)..] : null;
            var labels = MatchPath(template.Split('?')[0], r.Path);
            if (labels is null) continue;
            var query = ParseQuery(r.Query);
            if (staticQuery is not null && !staticQuery.Split('&').All(q => query.Remove(q.Split('=')[0])))
                continue;
            var input = new JsonObject();
            var inputShape = (string?)node["input"]?["shape"];
            var members = inputShape is null ? [] : Members(inputShape).ToList();
            foreach (var (label, value) in labels)
            {
                var member = members.FirstOrDefault(m => (string?)m.Def["location"] == "uri" && (string?)m.Def["locationName"] == label);
                if (member.Name is null) { problems.Add($"{name}: URI label '{label}' is not an input member"); continue; }
                input[member.Name] = value;
            }
            foreach (var (key, values) in query)
            {
                var member = members.FirstOrDefault(m => (string?)m.Def["location"] == "querystring" && (string?)m.Def["locationName"] == key);
                if (member.Name is null) { problems.Add($"{name}: unknown query parameter '{key}'"); continue; }
                input[member.Name] = FromText((string)member.Def["shape"]!, values, $"{name} query '{key}'", problems);
            }
            var hasBody = r.Body.Length > 0;
            if (hasBody && r.Header("Content-Type") is not "application/json")
                problems.Add($"{name}: a rest-json body needs Content-Type application/json, got '{r.Header("Content-Type")}'");
            var body = hasBody ? ParseBody(r, problems) ?? [] : [];
            foreach (var (key, value) in body.ToList())
            {
                var def = members.FirstOrDefault(m => m.Name == key).Def;
                if (def is not null && def["location"] is not null)
                {
                    problems.Add($"{name}: member '{key}' belongs in the {(string?)def["location"]}, not the body");
                    continue;
                }
                input[key] = value?.DeepClone();
            }
            return (name, input);
        }
        problems.Add($"no {ServiceId} operation is {r.Method} {r.Path}");
        return (null, []);
    }

    private static Dictionary<string, string>? MatchPath(string template, string path)
    {
        var t = template.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var p = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < t.Length; i++)
        {
            if (t[i].StartsWith('{') && t[i].EndsWith("+}", StringComparison.Ordinal))
            {
                if (i >= p.Length) return null;
                labels[t[i][1..^2]] = Uri.UnescapeDataString(string.Join('/', p[i..]));
                return labels;
            }
            if (i >= p.Length) return null;
            if (t[i].StartsWith('{')) labels[t[i][1..^1]] = Uri.UnescapeDataString(p[i]);
            else if (t[i] != p[i]) return null;
        }
        return p.Length == t.Length ? labels : null;
    }

    private static Dictionary<string, List<string>> ParseQuery(string query)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(part[(eq + 1)..]);
            if (!result.TryGetValue(key, out var list)) result[key] = list = [];
            list.Add(value);
        }
        return result;
    }

    private JsonNode? FromText(string shape, List<string> values, string where, List<string> problems)
    {
        var def = Shape(shape);
        var type = (string)def["type"]!;
        if (type == "list") return new JsonArray([.. values.Select(v => FromText((string)def["member"]!["shape"]!, [v], where, problems))]);
        if (values.Count > 1) problems.Add($"{where}: repeated, but it is not a list");
        var text = values[0];
        switch (type)
        {
            case "integer" or "long":
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
                problems.Add($"{where}: '{text}' is not an integer");
                return null;
            case "boolean":
                if (text is "true" or "false") return text == "true";
                problems.Add($"{where}: '{text}' is not true/false");
                return null;
            case "double" or "float":
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
                problems.Add($"{where}: '{text}' is not a number");
                return null;
            default:
                return text;
        }
    }

    private static JsonObject? ParseBody(LocalHttpServer.Request r, List<string> problems)
    {
        if (r.Body.Length == 0) return null;
        try
        {
            if (JsonNode.Parse(r.Body) is JsonObject o) return o;
            problems.Add("the body is JSON but not an object");
        }
        catch (JsonException e)
        {
            problems.Add($"the body is not JSON: {e.Message}");
        }
        return null;
    }

    private JsonObject Shape(string name) => _shapes[name]?.AsObject() ?? throw new InvalidOperationException($"{Name}: no shape '{name}'");

    private IEnumerable<(string Name, JsonObject Def)> Members(string structure) =>
        (Shape(structure)["members"]?.AsObject() ?? []).Select(kv => (kv.Key, kv.Value!.AsObject()));

    private void CheckShape(string shapeName, JsonNode? value, string path, List<string> problems)
    {
        var shape = Shape(shapeName);
        var type = (string)shape["type"]!;
        if (value is null)
        {
            problems.Add($"{path}: null is not a valid {type}");
            return;
        }
        switch (type)
        {
            case "structure":
                if (shape["document"] is JsonValue doc && doc.GetValue<bool>()) return;
                if (value is not JsonObject o)
                {
                    problems.Add($"{path}: expected an object ({shapeName}), got {value.GetValueKind()}");
                    return;
                }
                var members = Members(shapeName).ToDictionary(m => m.Name, m => m.Def, StringComparer.Ordinal);
                foreach (var required in shape["required"]?.AsArray().Select(n => (string)n!) ?? [])
                    if (!o.ContainsKey(required)) problems.Add($"{path}: required member '{required}' is missing");
                foreach (var (key, child) in o)
                {
                    if (!members.TryGetValue(key, out var def)) { problems.Add($"{path}: unknown member '{key}' (not in {shapeName})"); continue; }
                    CheckShape((string)def["shape"]!, child, $"{path}.{key}", problems);
                }
                if (shape["union"] is JsonValue u && u.GetValue<bool>() && o.Count != 1)
                    problems.Add($"{path}: a union ({shapeName}) sets exactly one member, got {o.Count}");
                return;
            case "list":
                if (value is not JsonArray a) { problems.Add($"{path}: expected an array, got {value.GetValueKind()}"); return; }
                CheckLength(shape, a.Count, path, "items", problems);
                for (var i = 0; i < a.Count; i++) CheckShape((string)shape["member"]!["shape"]!, a[i], $"{path}[{i}]", problems);
                return;
            case "map":
                if (value is not JsonObject m) { problems.Add($"{path}: expected an object (map), got {value.GetValueKind()}"); return; }
                CheckLength(shape, m.Count, path, "entries", problems);
                foreach (var (key, child) in m)
                {
                    CheckShape((string)shape["key"]!["shape"]!, JsonValue.Create(key), $"{path} key '{key}'", problems);
                    CheckShape((string)shape["value"]!["shape"]!, child, $"{path}.{key}", problems);
                }
                return;
            case "string":
                if (value.GetValueKind() != JsonValueKind.String) { problems.Add($"{path}: expected a string, got {value.GetValueKind()}"); return; }
                var s = value.GetValue<string>();
                if (shape["enum"] is JsonArray allowed && !allowed.Any(e => (string?)e == s))
                    problems.Add($"{path}: '{s}' is not one of {string.Join(", ", allowed.Select(e => (string?)e))}");
                CheckLength(shape, new StringInfo(s).LengthInTextElements, path, "characters", problems);
                if ((string?)shape["pattern"] is { } pattern && Pattern(pattern) is { } regex && !regex.IsMatch(s))
                    problems.Add($"{path}: '{s}' does not match the pattern {pattern}");
                return;
            case "integer" or "long":
                if (value.GetValueKind() != JsonValueKind.Number || !long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    problems.Add($"{path}: expected an integer, got {value.ToJsonString()}");
                    return;
                }
                if (shape["min"] is { } min && n < (long)min) problems.Add($"{path}: {n} is below the minimum {min}");
                if (shape["max"] is { } max && n > (long)max) problems.Add($"{path}: {n} is above the maximum {max}");
                return;
            case "double" or "float":
                if (value.GetValueKind() != JsonValueKind.Number) problems.Add($"{path}: expected a number, got {value.GetValueKind()}");
                return;
            case "boolean":
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)) problems.Add($"{path}: expected true/false, got {value.ToJsonString()}");
                return;
            case "timestamp":
                // JSON protocols send epoch seconds unless the shape says otherwise
                if ((string?)shape["timestampFormat"] is "iso8601" ? value.GetValueKind() != JsonValueKind.String : value.GetValueKind() != JsonValueKind.Number)
                    problems.Add($"{path}: expected a timestamp ({(string?)shape["timestampFormat"] ?? "epoch seconds"}), got {value.ToJsonString()}");
                return;
            case "blob":
                if (value.GetValueKind() != JsonValueKind.String) { problems.Add($"{path}: expected base64 text, got {value.GetValueKind()}"); return; }
                Span<byte> buffer = new byte[value.GetValue<string>().Length];
                if (!Convert.TryFromBase64String(value.GetValue<string>(), buffer, out _)) problems.Add($"{path}: not base64");
                return;
            default:
                problems.Add($"{path}: the checker does not know shape type '{type}'");
                return;
        }
    }

    private static void CheckLength(JsonObject shape, long count, string path, string unit, List<string> problems)
    {
        if (shape["min"] is { } min && count < (long)min) problems.Add($"{path}: {count} {unit}, the minimum is {min}");
        if (shape["max"] is { } max && count > (long)max) problems.Add($"{path}: {count} {unit}, the maximum is {max}");
    }

    // Model patterns are Java regexes; the few .NET cannot compile are skipped rather than guessed at.
    private Regex? Pattern(string pattern) => _patterns.GetOrAdd(pattern, p =>
    {
        try { return new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException) { return null; }
    });
}
