using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dativo.Streaming.Jq;

/// <summary>
/// The subset of jq 1.6 that Firehose's inline partition-key extraction uses: paths (<c>.a.b</c>, <c>.["k"]</c>,
/// <c>.[0]</c>), object construction (<c>{k: expr, "k2": expr, k3}</c>), pipes, <c>//</c> defaults, literals,
/// parentheses, <c>?</c>, and the functions strftime, tostring, tonumber, ascii_downcase, ascii_upcase, floor, todate,
/// tojson, length, ltrimstr, rtrimstr. Each expression yields one value.
/// </summary>
internal sealed class JqQuery
{
    private readonly JqNode _root;

    private readonly JqPathExtractor? _fast;

    private JqQuery(string text, JqNode root)
    {
        Text = text;
        _root = root;
        _fast = JqPathExtractor.For(root);
    }

    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> naming the column of the problem.</summary>
    public static JqQuery Parse(string text) => new(text, new JqParser(text).ParseAll());

    public JsonNode? Evaluate(JsonNode? input) => _root.Eval(input);

    /// <summary>Reusable memory for <see cref="TryExtractPlain"/>; null when the query is not a plain <c>{k: .path}</c>.</summary>
    public KeyValues? NewKeyValues() => _fast?.NewKeyValues();

    /// <summary>
    /// The plain query's keys of a record into <paramref name="values"/> (from <see cref="NewKeyValues"/>) without a
    /// string or dictionary per record; false when <see cref="ExtractPartitionKeys(ReadOnlySpan{byte})"/> must decide.
    /// </summary>
    public bool TryExtractPlain(ReadOnlySpan<byte> json, KeyValues values) => _fast is { } fast && fast.TryExtract(json, values);

    /// <summary>
    /// <see cref="ExtractPartitionKeys(JsonNode?)"/> of a record's JSON bytes; a plain <c>{k: .path}</c> query reads only
    /// the properties it needs. Throws <see cref="JsonException"/> when the record is not JSON.
    /// </summary>
    public Dictionary<string, string> ExtractPartitionKeys(ReadOnlySpan<byte> json)
    {
        if (_fast?.TryExtract(json) is { } keys) return keys;
        try
        {
            return ExtractPartitionKeys(JsonNode.Parse(json));
        }
        catch (ArgumentException)
        {
            // JsonObject refuses a repeated property name when it is read: without this the record would stop the stream
            throw new JsonException("a property name appears twice in one object");
        }
    }

    /// <summary>
    /// Evaluates the query as Firehose's MetadataExtractionQuery: the result must be an object of scalar values; each
    /// becomes a partition key (strings as they are, numbers and booleans as jq's tostring). A null value is a missing key.
    /// </summary>
    public Dictionary<string, string> ExtractPartitionKeys(JsonNode? record)
    {
        var result = Evaluate(record);
        if (result is not JsonObject obj)
            throw new JqEvaluationException($"the query returned {JqNode.TypeName(result)}, not an object of partition keys");
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in obj)
        {
            keys[name] = value switch
            {
                null => throw new JqEvaluationException($"partition key '{name}' is null (missing in the record)"),
                JsonValue v => JqNode.ToText(v),
                _ => throw new JqEvaluationException($"partition key '{name}' is {JqNode.TypeName(value)}, not a string, number or boolean"),
            };
        }
        return keys;
    }
}

internal sealed class JqEvaluationException(string message) : Exception(message);

internal abstract class JqNode
{
    public abstract JsonNode? Eval(JsonNode? input);

    public static string TypeName(JsonNode? n) => n switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        },
        _ => "a value",
    };

    public static string ToText(JsonValue v) => v.GetValueKind() switch
    {
        JsonValueKind.String => v.GetValue<string>(),
        JsonValueKind.Number => FormatNumber(v.GetValue<double>()),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    public static string FormatNumber(double d) =>
        Math.Abs(d) < 1e17 && d == Math.Floor(d) ? ((long)d).ToString(CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);

    public static bool Truthy(JsonNode? n) => n is not null && !(n is JsonValue v && v.GetValueKind() is JsonValueKind.False or JsonValueKind.Null);

    public static double Number(JsonNode? n, string what) =>
        n is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : throw new JqEvaluationException($"{what} needs a number, got {TypeName(n)}");

    public static string Str(JsonNode? n, string what) =>
        n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw new JqEvaluationException($"{what} needs a string, got {TypeName(n)}");
}

internal sealed class IdentityNode : JqNode
{
    public override JsonNode? Eval(JsonNode? input) => input;
}

internal sealed class LiteralNode(JsonNode? value) : JqNode
{
    public JsonNode? Value => value;

    public override JsonNode? Eval(JsonNode? input) => value?.DeepClone();
}

internal sealed class IndexNode(JqNode target, JqNode index) : JqNode
{
    public JqNode Target => target;

    public JqNode Index => index;

    public override JsonNode? Eval(JsonNode? input)
    {
        var t = target.Eval(input);
        var i = index.Eval(input);
        if (t is null) return null;
        if (t is JsonObject o && i is JsonValue s && s.GetValueKind() == JsonValueKind.String)
            return o.TryGetPropertyValue(s.GetValue<string>(), out var child) ? child : null;
        if (t is JsonArray a && i is JsonValue n && n.GetValueKind() == JsonValueKind.Number)
        {
            var k = (int)Math.Floor(n.GetValue<double>());
            if (k < 0) k += a.Count;
            return k >= 0 && k < a.Count ? a[k] : null;
        }
        throw new JqEvaluationException($"cannot index {TypeName(t)} with {TypeName(i)}");
    }
}

internal sealed class TryNode(JqNode inner) : JqNode
{
    public override JsonNode? Eval(JsonNode? input)
    {
        try { return inner.Eval(input); }
        catch (JqEvaluationException) { return null; }
    }
}

internal sealed class PipeNode(JqNode left, JqNode right) : JqNode
{
    public override JsonNode? Eval(JsonNode? input) => right.Eval(left.Eval(input));
}

internal sealed class AlternativeNode(JqNode left, JqNode right) : JqNode
{
    public override JsonNode? Eval(JsonNode? input)
    {
        JsonNode? l;
        try { l = left.Eval(input); }
        catch (JqEvaluationException) { l = null; }
        return Truthy(l) ? l : right.Eval(input);
    }
}

internal sealed class ObjectNode(IReadOnlyList<(JqNode Key, JqNode Value)> entries) : JqNode
{
    public IReadOnlyList<(JqNode Key, JqNode Value)> Entries => entries;

    public override JsonNode? Eval(JsonNode? input)
    {
        var o = new JsonObject();
        foreach (var (k, v) in entries)
        {
            var key = Str(k.Eval(input), "an object key");
            var value = v.Eval(input);
            o[key] = value?.Parent is null ? value : value.DeepClone();
        }
        return o;
    }
}
