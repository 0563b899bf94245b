using System.Text.Json.Nodes;
using Dativo.Application.Infrastructure;
using Dativo.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dativo.Server.Api;

/// <summary><c>/api/jobs</c>: the job files of the jobs folder (id = path without .yaml, '/' escaped as %2F) and their infrastructure.</summary>
internal static class JobsApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/jobs").WithTags("jobs");
        g.MapGet("", (ServerContext s) => Json.Of(new JsonArray([.. s.Jobs.List().Select(e => (JsonNode)new JsonObject { ["id"] = e.Id, ["file"] = e.File })])))
            .WithSummary("Job files of the jobs folder");
        g.MapGet("/{id}/tags", (string id, ServerContext s) =>
        {
            var job = s.Jobs.Load(Json.Id(id));
            return Json.Of(new JsonObject
            {
                ["job"] = job.Name,
                ["table"] = $"{job.TargetNamespace}.{job.TargetTable}",
                ["contract"] = job.Contract.Name,
                ["table_properties"] = Map(JobInfrastructure.TableProperties(job)),
                ["infrastructure_tags"] = Map(JobInfrastructure.Tags(job)),
            });
        }).WithSummary("The Iceberg table properties and infrastructure tags the job's contract produces");
        g.MapGet("/{id}/tfvars", (string id, ServerContext s) =>
        {
            var job = s.Jobs.Load(Json.Id(id));
            return Json.Of(new JsonObject
            {
                ["job"] = job.Name,
                ["variables"] = JobInfrastructure.TfvarsJson(job, s.App.Env),
                ["hcl"] = JobInfrastructure.Tfvars(job, s.App.Env, "dativo.auto.tfvars"),
            });
        }).WithSummary("The Terraform variables of the job's infrastructure module (as JSON and as the .tfvars text)");
    }

    private static JsonObject Map(IEnumerable<KeyValuePair<string, string>> kvs) => new(kvs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}
