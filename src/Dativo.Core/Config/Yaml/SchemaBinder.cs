using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Core.Config.Schema;
using Dativo.Core.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dativo.Core.Config.Yaml;

/// <summary>
/// Checks a YAML tree against a schema and converts it to JSON with the schema's types, expanding
/// <c>${VAR}</c> / <c>${VAR:-default}</c> from the environment. Every problem is reported with
/// file, line, column and key path; unknown keys get a "did you mean".
/// </summary>
public sealed partial class SchemaBinder
{
    private readonly string _file;
    private readonly Func<string, string?> _env;
    private readonly List<ConfigIssue> _issues = [];

    private SchemaBinder(string file, Func<string, string?> env)
    {
        _file = file;
        _env = env;
    }

    public static (JsonNode? Value, IReadOnlyList<ConfigIssue> Issues) Bind(YamlNode root, SchemaNode schema, string file, Func<string, string?> env)
    {
        var binder = new SchemaBinder(file, env);
        var value = binder.Visit(root, schema, "");
        return (value, binder._issues);
    }

    private JsonNode? Visit(YamlNode node, SchemaNode schema, string path)
    {
        if (IsNull(node)) return null;
        switch (schema)
        {
            case AnySchema:
                return VisitAny(node, path);
            case OneOfSchema one:
                return VisitOneOf(node, one, path);
            case ObjectSchema obj when node is YamlMappingNode map:
                return VisitObject(map, obj, path);
            case MapSchema m when node is YamlMappingNode map:
                var result = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    var key = KeyText(k);
                    result[key] = Visit(v, m.Values, Join(path, key));
                }
                return result;
            case ArraySchema arr when node is YamlSequenceNode seq:
                var list = new JsonArray();
                var i = 0;
                foreach (var item in seq.Children) list.Add(Visit(item, arr.Items, $"{path}[{i++}]"));
                return list;
            case StringSchema or IntegerSchema or NumberSchema or BooleanSchema when node is YamlScalarNode scalar:
                return VisitScalar(scalar, schema, path);
            default:
                Error(node, path, $"expected {Article(schema.TypeName)}, got {Describe(node)}");
                return null;
        }
    }

    private JsonObject VisitObject(YamlMappingNode map, ObjectSchema obj, string path)
    {
        var result = new JsonObject();
        var seen = new HashSet<string>();
        foreach (var (k, v) in map.Children)
        {
            var key = KeyText(k);
            var canonical = obj.Aliases is not null && obj.Aliases.TryGetValue(key, out var target) ? target : key;
            var keyPath = Join(path, key);
            if (!seen.Add(canonical))
            {
                Error(k, keyPath, $"duplicate key '{key}'");
                continue;
            }
            var prop = obj.Find(canonical);
            if (prop is not null)
                result[canonical] = Visit(v, prop.Schema, keyPath);
            else if (obj.Additional is not null)
                result[key] = Visit(v, obj.Additional, keyPath);
            else
                Error(k, keyPath, UnknownKeyMessage(key, obj));
        }
        foreach (var p in obj.Properties.Where(p => p.Required))
            if (!seen.Contains(p.Name) || result[p.Name] is null)
                Error(map, Join(path, p.Name), $"missing required key '{p.Name}'" + (p.Schema.Description is null ? "" : $" ({p.Schema.Description})"));
        return result;
    }

    private JsonNode? VisitOneOf(YamlNode node, OneOfSchema one, string path)
    {
        // Pick the option matching the node's shape; scalars try the options in order.
        foreach (var option in one.Options)
        {
            var fits = (node, option) switch
            {
                (YamlMappingNode, ObjectSchema or MapSchema) => true,
                (YamlSequenceNode, ArraySchema) => true,
                (YamlScalarNode s, BooleanSchema) => TryBool(Expand(s, option, path, report: false), out _),
                (YamlScalarNode s, IntegerSchema) => long.TryParse(Expand(s, option, path, report: false), NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
                (YamlScalarNode s, NumberSchema) => double.TryParse(Expand(s, option, path, report: false), NumberStyles.Float, CultureInfo.InvariantCulture, out _),
                (YamlScalarNode, StringSchema) => true,
                _ => false,
            };
            if (fits) return Visit(node, option, path);
        }
        Error(node, path, $"expected {Article(one.TypeName)}, got {Describe(node)}");
        return null;
    }

    private JsonNode? VisitScalar(YamlScalarNode scalar, SchemaNode schema, string path)
    {
        var text = Expand(scalar, schema, path, report: true);
        if (text is null) return null;
        switch (schema)
        {
            case StringSchema s:
                if (s.Enum is not null && !s.Enum.Contains(text))
                {
                    var hint = NearMiss.Closest(text, s.Enum);
                    Error(scalar, path, $"'{text}' is not one of: {string.Join(", ", s.Enum)}{(hint is null ? "" : $" (did you mean '{hint}'?)")}");
                }
                else if (s.MinLength is { } min && text.Length < min)
                    Error(scalar, path, "must not be empty");
                else if (s.Pattern is not null && !Regex.IsMatch(text, s.Pattern))
                    Error(scalar, path, $"'{text}' does not match the pattern {s.Pattern}");
                return JsonValue.Create(text);
            case IntegerSchema i:
                if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                {
                    Error(scalar, path, $"expected an integer, got '{text}'");
                    return null;
                }
                if (i.Minimum is { } lo && l < lo) Error(scalar, path, $"must be at least {lo}, got {l}");
                if (i.Maximum is { } hi && l > hi) Error(scalar, path, $"must be at most {hi}, got {l}");
                return JsonValue.Create(l);
            case NumberSchema:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                {
                    Error(scalar, path, $"expected a number, got '{text}'");
                    return null;
                }
                return JsonValue.Create(d);
            default:
                if (!TryBool(text, out var b))
                {
                    Error(scalar, path, $"expected true or false, got '{text}'");
                    return null;
                }
                return JsonValue.Create(b);
        }
    }

    private JsonNode? VisitAny(YamlNode node, string path) => IsNull(node) ? null : node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(KeyText(kv.Key), VisitAny(kv.Value, Join(path, KeyText(kv.Key)))))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select((c, i) => VisitAny(c, $"{path}[{i}]"))]),
        YamlScalarNode s => TypedScalar(s, Expand(s, null, path, report: true)),
        _ => null,
    };

    private static JsonNode? TypedScalar(YamlScalarNode s, string? text)
    {
        if (text is null) return null;
        if (s.Style is ScalarStyle.Plain)
        {
            if (TryBool(text, out var b)) return JsonValue.Create(b);
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !text.EndsWith('.')) return JsonValue.Create(d);
        }
        return JsonValue.Create(text);
    }

    private string? Expand(YamlScalarNode scalar, SchemaNode? schema, string path, bool report)
    {
        var text = scalar.Value ?? "";
        if (!text.Contains('$')) return text;
        return EnvPattern().Replace(text, m =>
        {
            if (m.Value.StartsWith("$$", StringComparison.Ordinal)) return m.Value[1..];
            var name = m.Groups["name"].Value;
            var value = _env(name);
            if (value is not null) return value;
            if (m.Groups["default"].Success) return m.Groups["default"].Value;
            if (schema?.RuntimeOnly == true) return m.Value;
            if (report)
                Error(scalar, path, $"environment variable {name} is not set; export it or write ${{{name}:-default}}");
            return m.Value;
        });
    }

    [GeneratedRegex(@"\$?\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(:-(?<default>[^}]*))?\}")]
    private static partial Regex EnvPattern();

    private static bool TryBool(string? text, out bool value)
    {
        switch (text)
        {
            case "true" or "True" or "TRUE": value = true; return true;
            case "false" or "False" or "FALSE": value = false; return true;
            default: value = false; return false;
        }
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string KeyText(YamlNode key) => key is YamlScalarNode s ? s.Value ?? "" : key.ToString();

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "an unsupported node",
    };

    private static string Article(string typeName) =>
        typeName.StartsWith("any", StringComparison.Ordinal) ? typeName :
        ("aeiou".Contains(typeName[0]) ? "an " : "a ") + typeName;

    private static string UnknownKeyMessage(string key, ObjectSchema obj)
    {
        var known = obj.Properties.Select(p => p.Name).Concat(obj.Aliases?.Keys ?? []).ToList();
        var hint = NearMiss.Closest(key, known);
        return hint is not null
            ? $"unknown key '{key}' (did you mean '{hint}'?)"
            : $"unknown key '{key}'; allowed keys: {string.Join(", ", known)}";
    }

    private void Error(YamlNode node, string path, string message) =>
        _issues.Add(new ConfigIssue(IssueSeverity.Error, _file, (int)node.Start.Line, (int)node.Start.Column, path, message));
}
