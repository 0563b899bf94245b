namespace Dativo.Core.Config.Schema;

/// <summary>Terse builders for schema trees.</summary>
public static class S
{
    public static StringSchema Str(string? description = null) => new() { Description = description };
    public static StringSchema Enum(string description, params string[] values) => new() { Description = description, Enum = values };
    public static IntegerSchema Int(string? description = null, long? min = null, long? max = null) => new() { Description = description, Minimum = min, Maximum = max };
    public static NumberSchema Num(string? description = null) => new() { Description = description };
    public static BooleanSchema Bool(string? description = null) => new() { Description = description };
    public static AnySchema Any(string? description = null) => new() { Description = description };
    public static ArraySchema List(SchemaNode items, string? description = null) => new(items) { Description = description };
    public static MapSchema Map(SchemaNode values, string? description = null) => new(values) { Description = description };
    public static MapSchema StrMap(string? description = null) => new(Str()) { Description = description };
    public static ObjectSchema Obj(string? description, params Property[] properties) => new(properties) { Description = description };
    public static OneOfSchema OneOf(params SchemaNode[] options) => new(options);
    public static Property P(string name, SchemaNode schema) => new(name, schema);
    public static Property Req(string name, SchemaNode schema) => new(name, schema, Required: true);
}
