using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Dativo.Application.Pipelines;
using Dativo.Application.Security;
using Dativo.Core.Config;
using Dativo.Orchestration.Runs;
using Dativo.Server.Hosting;
using Dativo.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dativo.Server.Api;

/// <summary>What to run: parameter overrides (declared params only), the export date, a correlation id (new when absent; an existing one resumes).</summary>
public sealed record TriggerRequest(
    [property: JsonPropertyName("params")] Dictionary<string, string>? Params = null,
    [property: JsonPropertyName("export_date")] string? ExportDate = null,
    [property: JsonPropertyName("correlation_id")] string? CorrelationId = null);

internal static class PipelinesApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/pipelines").WithTags("pipelines");
        g.MapGet("", (ServerContext s) => Json.Of(new JsonArray([.. s.Pipelines.List().Select(e => (JsonNode)Entry(e))])))
            .WithSummary("Pipelines of the pipelines folder, with their tasks, schedule and triggers, or why a file is invalid");
        g.MapPost("/{name}/validate", (string name, ServerContext s) =>
        {
            var e = s.Pipelines.List().FirstOrDefault(p => p.Name == name) ?? throw new NotFoundException($"no pipeline '{name}'");
            return Json.Of(Entry(e));
        }).WithSummary("Validate a pipeline file: schema, task types, dependencies, templates (nothing runs)");
        g.MapPost("/{name}/runs", async (string name, TriggerRequest? body, ServerContext s, RunSupervisor runs) =>
        {
            body ??= new TriggerRequest();
            if (body.ExportDate is not null) Backfill.ParseDate(body.ExportDate, "export_date");
            var p = s.Pipelines.Load(name, body.Params);
            var id = await runs.StartAsync(p, new RunRequest(body.CorrelationId, body.ExportDate)).ConfigureAwait(false);
            return Json.Of(RunsApi.Started(id), 202);
        }).RequireScope(ApiScope.Operate).WithSummary("Start a run of a pipeline with parameters; answers once the run is recorded");
        g.MapGet("/{name}/datasets", async (string name, ServerContext s, CancellationToken ct) =>
        {
            var p = s.Pipelines.Load(name);
            var result = new JsonObject();
            foreach (var (task, (list, source)) in await PipelineDatasets.ResolveAsync(s.App, p, ct).ConfigureAwait(false))
                result[task] = new JsonObject { ["source"] = source, ["datasets"] = new JsonArray([.. list.Select(d => (JsonNode)d)]) };
            return Json.Of(result);
        }).WithSummary("The dataset list each foreach task of a pipeline would fan out over now");
    }

    private static JsonObject Entry(PipelineEntry e) => new()
    {
        ["name"] = e.Name,
        ["file"] = e.File,
        ["valid"] = e.Valid,
        ["description"] = e.Pipeline?.Definition.Description,
        ["schedule"] = e.Pipeline?.Definition.Schedule?.Cron,
        ["triggers"] = e.Pipeline?.Definition.Triggers.Count ?? 0,
        ["params"] = e.Pipeline is { } p ? new JsonObject(p.Definition.Params.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))) : null,
        ["tasks"] = e.Pipeline is { } q ? new JsonArray([.. q.Tasks.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name, ["type"] = t.Type, ["foreach"] = t.Foreach is not null, ["depends_on"] = new JsonArray([.. t.DependsOn.Select(d => (JsonNode)d)]),
        })]) : null,
        ["errors"] = new JsonArray([.. e.Issues.Where(i => i.Severity == IssueSeverity.Error).Select(i => (JsonNode)i.ToString())]),
    };
}
