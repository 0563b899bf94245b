using Dativo.Core.Config.Schema;
using static Dativo.Core.Config.Schema.S;

namespace Dativo.Core.Contracts;

/// <summary>ODCS v3 data contract (flat form) with Dativo's extensions; also the legacy nested <c>asset:</c> form.</summary>
public static class AssetSchema
{
    public static readonly string[] FieldTypes =
        ["string", "text", "varchar", "integer", "int", "long", "bigint", "smallint", "double", "float", "number", "decimal", "numeric",
         "boolean", "bool", "date", "timestamp", "timestamptz", "datetime", "time", "binary", "bytes", "uuid", "object", "array"];

    private static IEnumerable<Property> FieldProperties() =>
    [
        Req("name", Str("column name")),
        P("type", Str("dativo type: " + string.Join(", ", FieldTypes))),
        P("logicalType", Str("ODCS logical type")),
        P("physicalType", Str()),
        P("physicalName", Str()),
        P("businessName", Str()),
        P("required", Bool()),
        P("nullable", Bool()),
        P("primaryKey", Bool()),
        P("primaryKeyPosition", Int()),
        P("unique", Bool()),
        P("partitioned", Bool()),
        P("partitionKeyPosition", Int()),
        P("classification", Str("e.g. PII, SENSITIVE, public")),
        P("description", Str()),
        P("tags", List(Str())),
        P("customProperties", Any()),
        P("precision", Int(min: 1, max: 38)),
        P("scale", Int(min: 0, max: 38)),
        P("logicalTypeOptions", Any()),
        P("examples", Any()),
        P("criticalDataElement", Bool()),
        P("encryptedName", Str()),
        P("transformSourceObjects", Any()),
        P("transformLogic", Str()),
        P("transformDescription", Str()),
        P("authoritativeDefinitions", Any()),
        P("quality", Any()),
        P("items", Any()),
        P("default", Any()),
    ];

    public static readonly ObjectSchema Field = new([.. FieldProperties()]) { Description = "a column" };

    /// <summary>A schema entry: a column (dativo flat form) or an ODCS schema object whose <c>properties</c> are the columns.</summary>
    public static readonly ObjectSchema SchemaElement = new([.. FieldProperties(),
        P("properties", List(Field, "columns of an ODCS schema object")),
        P("dataGranularityDescription", Str())])
    { Description = "a column, or an ODCS schema object with properties" };

    private static readonly ObjectSchema Team = Obj("ownership",
        P("owner", Str("accountable owner (email or team)")),
        P("name", Str()),
        P("description", Str()),
        P("roles", List(Any())),
        P("members", List(Any())));

    private static Property[] CommonProperties() =>
    [
        P("$schema", Str()),
        P("apiVersion", Str("ODCS version, e.g. v3.0.2")),
        P("kind", Enum("document kind", "DataContract")),
        P("id", Str()),
        Req("name", Str("asset/table name")),
        Req("version", Str("contract version")),
        P("status", Str()),
        P("domain", Str("business domain; also the table namespace")),
        P("dataProduct", Str()),
        P("tenant", Str()),
        P("description", OneOf(Str(), Map(Any()))),
        P("tags", List(Str())),
        P("source_type", Str("dativo: source connector type")),
        P("object", Str("dativo: source object")),
        P("target", Obj("dativo: target hints",
            P("file_format", Str()),
            P("partitioning", List(Str())),
            P("mode", Enum("schema mode", "strict", "merge", "relaxed")))),
        Req("schema", List(SchemaElement, "columns")),
        P("data_quality", Map(Any())),
        P("quality", Any()),
        P("team", OneOf(Team, List(Map(Any())))),
        P("compliance", Obj("classification and regulation",
            P("classification", OneOf(List(Str()), Str())),
            P("regulations", List(Str())),
            P("retention_days", Int(min: 0)),
            P("security", Obj(null, P("access_control", Str()), P("encryption_required", Bool()))),
            P("user_consent_required", Bool()))),
        P("change_management", Map(Any())),
        P("finops", Obj("cost attribution",
            P("cost_center", Str()),
            P("project", Str()),
            P("environment", Str()),
            P("business_tags", OneOf(List(Str()), Str())))),
        P("customProperties", Any()),
        P("servers", Any()),
        P("slaProperties", Any()),
        P("slaDefaultElement", Str()),
        P("support", Any()),
        P("price", Any()),
        P("roles", Any()),
        P("authoritativeDefinitions", Any()),
        P("contractCreatedTs", Str()),
    ];

    public static readonly ObjectSchema Root = new(CommonProperties())
    {
        Description = "ODCS v3 data contract",
        Aliases = new Dictionary<string, string> { ["data_product"] = "dataProduct", ["api_version"] = "apiVersion" },
    };

    /// <summary>The legacy <c>asset:</c> body: the same keys plus a <c>governance</c> block migrated on load.</summary>
    public static readonly ObjectSchema LegacyBody = new([.. CommonProperties().Where(p => p.Name != "team"),
        P("team", OneOf(Team, List(Map(Any())))),
        P("governance", Obj("legacy governance block",
            P("owner", Str()),
            P("tags", List(Str())),
            P("classification", OneOf(List(Str()), Str())),
            P("retention_days", Int(min: 0))))])
    {
        Description = "legacy dativo asset",
        Aliases = Root.Aliases,
    };

    public static readonly ObjectSchema Legacy = Obj("legacy nested asset file", Req("asset", LegacyBody));
}
