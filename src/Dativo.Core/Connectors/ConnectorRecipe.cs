using System.Text.Json.Nodes;
using Dativo.Core.Config.Schema;
using static Dativo.Core.Config.Schema.S;

namespace Dativo.Core.Connectors;

/// <summary>A connector recipe: the defaults a job inherits by naming a connector.</summary>
public sealed record ConnectorRecipe
{
    public required string Type { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = [];
    public bool AllowedInCloud { get; init; } = true;
    public string? FileFormat { get; init; }
    public string? StrategyDefault { get; init; }
    public string? CursorFieldDefault { get; init; }
    public int LookbackDaysDefault { get; init; }
    public IReadOnlyList<string> PartitioningDefault { get; init; } = [];
    public JsonObject ConnectionTemplate { get; init; } = [];
    public JsonObject Options { get; init; } = [];

    /// <summary>"built-in" or the recipe file.</summary>
    public string Origin { get; init; } = "built-in";

    public static readonly ObjectSchema Schema = Obj("A connector recipe",
        Req("type", Str("connector type")),
        P("name", Str()),
        P("description", Str()),
        P("roles", List(Enum("role", "source", "target"))),
        P("allowed_in_cloud", Bool("false for database sources, refused in --mode cloud")),
        P("default_engine", Str()),
        P("file_format", Str()),
        P("incremental", Obj(null,
            P("strategy_default", Str()),
            P("cursor_field_default", Str()),
            P("lookback_days_default", Int(min: 0)))),
        P("partitioning_default", List(Str())),
        P("connection_template", Map(Any())),
        P("options", Map(Any())),
        P("catalog", Any()),
        P("engine", Any()),
        P("rate_limits", Any()),
        P("credentials", Any()));
}
