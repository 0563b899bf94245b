using System.Text.Json.Nodes;
using Dativo.Orchestration.Alerts;
using Dativo.Orchestration.Runs;
using Dativo.Server.Hosting;
using Dativo.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dativo.Server.Api;

/// <summary>Liveness (<c>/healthz</c>), readiness (<c>/readyz</c>: the run store answers and the delivery streams run) and Prometheus <c>/metrics</c>.</summary>
internal static class HealthApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Json.Of(new JsonObject { ["status"] = "ok" })).Open().WithTags("health").WithSummary("The process is up");
        app.MapGet("/readyz", async (ServerContext s, RunSupervisor runs, CancellationToken ct) =>
        {
            try
            {
                await s.Runs.State.GetAsync("runs", "-readyz-probe-", ct).ConfigureAwait(false);
                if (!s.Streams.Ready)
                    return Json.Of(new JsonObject { ["status"] = "not ready", ["error"] = "the delivery streams are not running (starting or stopping)" }, 503);
                return Json.Of(new JsonObject { ["status"] = "ready", ["running_runs"] = runs.Running, ["streams"] = s.Streams.Configured ? s.Streams.List().Count : 0 });
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Json.Of(new JsonObject { ["status"] = "not ready", ["error"] = "the run store does not answer: " + e.GetType().Name }, 503);
            }
        }).Open().WithTags("health").WithSummary("The run store answers and the delivery streams (if any) run: the server can serve, run and ingest");
        app.MapGet("/metrics", async (HttpMetrics http, ServerContext s, CancellationToken ct) =>
        {
            var runs = new List<RunRecord>();
            await foreach (var r in s.Runs.ListRunsAsync(ct).ConfigureAwait(false)) runs.Add(r);
            var text = http.Render() + PrometheusMetrics.Render(runs, s.Time) + s.Streams.Prometheus();
            return Results.Text(text, "text/plain; version=0.0.4; charset=utf-8");
        }).WithTags("health").WithSummary("Prometheus metrics: HTTP requests by route, the stored runs (status, task durations, queue depth), the delivery streams (Firehose metrics, alarm states)");
    }
}
