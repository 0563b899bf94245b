using System.Text.Json.Nodes;

namespace Dativo.Core.Config.Schema;

/// <summary>
/// One node of a config schema. The same tree validates YAML (with file:line errors) and is
/// published as JSON Schema, so what the loader accepts and what the schema documents cannot drift.
/// </summary>
public abstract class SchemaNode
{
    public string? Description { get; init; }

    /// <summary>A value needed only at run time (e.g. a cluster id): an unset <c>${VAR}</c> is kept verbatim.</summary>
    public bool RuntimeOnly { get; init; }

    public abstract string TypeName { get; }

    public JsonObject ToJsonSchema()
    {
        var o = BuildJsonSchema();
        if (Description is not null) o["description"] = Description;
        return o;
    }

    protected abstract JsonObject BuildJsonSchema();
}

/// <summary>A string; any YAML scalar is accepted as its text (so <c>version: 1.0</c> stays "1.0").</summary>
public sealed class StringSchema : SchemaNode
{
    public IReadOnlyList<string>? Enum { get; init; }
    public string? Pattern { get; init; }
    public int? MinLength { get; init; }
    public override string TypeName => "string";

    protected override JsonObject BuildJsonSchema()
    {
        var o = new JsonObject { ["type"] = "string" };
        if (Enum is not null) o["enum"] = new JsonArray([.. Enum.Select(e => (JsonNode)JsonValue.Create(e))]);
        if (Pattern is not null) o["pattern"] = Pattern;
        if (MinLength is not null) o["minLength"] = MinLength;
        return o;
    }
}

public sealed class IntegerSchema : SchemaNode
{
    public long? Minimum { get; init; }
    public long? Maximum { get; init; }
    public override string TypeName => "integer";

    protected override JsonObject BuildJsonSchema()
    {
        var o = new JsonObject { ["type"] = "integer" };
        if (Minimum is not null) o["minimum"] = Minimum;
        if (Maximum is not null) o["maximum"] = Maximum;
        return o;
    }
}

public sealed class NumberSchema : SchemaNode
{
    public override string TypeName => "number";
    protected override JsonObject BuildJsonSchema() => new() { ["type"] = "number" };
}

public sealed class BooleanSchema : SchemaNode
{
    public override string TypeName => "boolean";
    protected override JsonObject BuildJsonSchema() => new() { ["type"] = "boolean" };
}

/// <summary>Any YAML value (free-form metadata such as Terraform variables).</summary>
public sealed class AnySchema : SchemaNode
{
    public override string TypeName => "any value";
    protected override JsonObject BuildJsonSchema() => [];
}

public sealed class ArraySchema(SchemaNode items) : SchemaNode
{
    public SchemaNode Items { get; } = items;
    public override string TypeName => "list";
    protected override JsonObject BuildJsonSchema() => new() { ["type"] = "array", ["items"] = Items.ToJsonSchema() };
}

/// <summary>A mapping with free keys whose values all follow <see cref="Values"/>.</summary>
public sealed class MapSchema(SchemaNode values) : SchemaNode
{
    public SchemaNode Values { get; } = values;
    public override string TypeName => "mapping";
    protected override JsonObject BuildJsonSchema() => new() { ["type"] = "object", ["additionalProperties"] = Values.ToJsonSchema() };
}

/// <summary>A mapping with known keys; unknown keys are errors (with a "did you mean").</summary>
public sealed class ObjectSchema : SchemaNode
{
    public ObjectSchema(params Property[] properties) => Properties = properties;

    public IReadOnlyList<Property> Properties { get; }

    /// <summary>Keys outside <see cref="Properties"/> are accepted and follow this schema (null = rejected).</summary>
    public SchemaNode? Additional { get; init; }

    /// <summary>Alternative spellings accepted on input (e.g. ODCS camelCase vs dativo snake_case).</summary>
    public IReadOnlyDictionary<string, string>? Aliases { get; init; }

    public override string TypeName => "mapping";

    public Property? Find(string key) => Properties.FirstOrDefault(p => p.Name == key);

    protected override JsonObject BuildJsonSchema()
    {
        var props = new JsonObject();
        foreach (var p in Properties) props[p.Name] = p.Schema.ToJsonSchema();
        if (Aliases is not null)
            foreach (var (alias, target) in Aliases) props[alias] = Find(target)!.Schema.ToJsonSchema();
        var o = new JsonObject { ["type"] = "object", ["properties"] = props };
        var required = Properties.Where(p => p.Required).Select(p => (JsonNode)JsonValue.Create(p.Name)).ToArray();
        if (required.Length > 0) o["required"] = new JsonArray(required);
        o["additionalProperties"] = Additional is null ? false : Additional.ToJsonSchema();
        return o;
    }
}

/// <summary>Exactly one of several shapes (e.g. a list of names, or a mapping).</summary>
public sealed class OneOfSchema(params SchemaNode[] options) : SchemaNode
{
    public IReadOnlyList<SchemaNode> Options { get; } = options;
    public override string TypeName => string.Join(" or ", Options.Select(o => o.TypeName));
    protected override JsonObject BuildJsonSchema() => new() { ["oneOf"] = new JsonArray([.. Options.Select(o => (JsonNode)o.ToJsonSchema())]) };
}

public sealed record Property(string Name, SchemaNode Schema, bool Required = false);
