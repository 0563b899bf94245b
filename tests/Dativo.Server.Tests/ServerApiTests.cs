using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dativo.Orchestration.Runs;
using Dativo.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dativo.Server.Tests;

/// <summary>The REST API against the real server on a free loopback port (no key needed there), over real pipeline runs.</summary>
public sealed class ServerApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static string Seg(string id) => Uri.EscapeDataString(id);

    private static async Task<(HttpStatusCode Status, JsonNode Body)> SendAsync(HttpClient http, HttpMethod method, string path, object? body = null)
    {
        using var req = new HttpRequestMessage(method, path);
        if (body is not null) req.Content = JsonContent.Create(body);
        req.Headers.Add("X-Dativo-Action", "1");
        var r = await http.SendAsync(req);
        return (r.StatusCode, JsonNode.Parse(await r.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task A_triggered_fan_out_run_shows_every_item_its_logs_and_can_be_retried_and_cleared()
    {
        var id = await server.TriggerAsync("quick", new { @params = new Dictionary<string, string> { ["greeting"] = "hi" }, export_date = "2026-01-02" });
        var run = await server.WaitForRunAsync(id, ServerFixture.Ended);
        Assert.Equal("SUCCEEDED", (string?)run["status"]);
        Assert.Equal("2026-01-02", (string?)run["export_date"]);
        Assert.Equal("hi", (string?)run["params"]!["greeting"]);
        var items = run["tasks"]!["extract"]!["items"]!.AsArray();
        Assert.Equal(["alpha", "beta", "gamma"], items.Select(i => (string)i!["dataset"]!));
        Assert.All(items, i => { Assert.Equal("SUCCEEDED", (string?)i!["status"]); Assert.Equal(1, (int)i["attempts"]!); });

        var logs = await server.GetJsonAsync($"/api/runs/{Seg(id)}/logs?task=extract&item=beta");
        Assert.Equal("hi beta", ((string)logs["logs"]![0]!["text"]!).Trim());
        var byShortId = await server.GetJsonAsync($"/api/runs/{RunLookup.ShortId(id)}");
        Assert.Equal(id, (string?)byShortId["run_id"]);

        var (cancelStatus, cancel) = await SendAsync(server.Http, HttpMethod.Post, $"/api/runs/{Seg(id)}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancelStatus);
        Assert.Contains("already succeeded", (string)cancel["message"]!);

        var (retryStatus, retry) = await SendAsync(server.Http, HttpMethod.Post, $"/api/runs/{Seg(id)}/retry");
        Assert.Equal(HttpStatusCode.Accepted, retryStatus);
        Assert.Equal(id, (string?)retry["run_id"]);
        var again = await server.WaitForRunAsync(id, r => ServerFixture.Ended(r) && (int)r["run_counter"]! == 2);
        Assert.Equal("SUCCEEDED", (string?)again["status"]);

        var (clearStatus, _) = await SendAsync(server.Http, HttpMethod.Delete, $"/api/runs/{Seg(id)}");
        Assert.Equal(HttpStatusCode.OK, clearStatus);
        var gone = await server.Http.GetAsync($"/api/runs/{Seg(id)}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains("no run", (string)JsonNode.Parse(await gone.Content.ReadAsStringAsync())!["error"]!);
    }

    [Fact]
    public async Task Runs_are_listed_with_filters_and_bad_requests_get_a_json_error()
    {
        var a = await server.TriggerAsync("quick");
        await server.WaitForRunAsync(a, ServerFixture.Ended);
        var quick = (await server.GetJsonAsync("/api/runs?pipeline=quick&status=succeeded")).AsArray();
        Assert.Contains(quick, r => (string)r!["run_id"]! == a);
        Assert.All(quick, r => Assert.Equal("quick", (string?)r!["pipeline"]));
        Assert.Empty((await server.GetJsonAsync("/api/runs?pipeline=quick&status=failed")).AsArray());
        Assert.Single((await server.GetJsonAsync("/api/runs?limit=1")).AsArray());

        var (badStatus, bad) = await SendAsync(server.Http, HttpMethod.Get, "/api/runs?status=exploded");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("unknown status", (string)bad["error"]!);
        var (noPipeline, none) = await SendAsync(server.Http, HttpMethod.Post, "/api/pipelines/nope/runs", new { });
        Assert.Equal(HttpStatusCode.NotFound, noPipeline);
        Assert.Contains("quick", (string)none["error"]!); // names the pipelines there are
        var (undeclared, param) = await SendAsync(server.Http, HttpMethod.Post, "/api/pipelines/quick/runs", new { @params = new { colour = "red" } });
        Assert.Equal(HttpStatusCode.BadRequest, undeclared);
        Assert.Contains("colour", (string)param["error"]!);
        Assert.Contains("quick.yaml", (string)param["issues"]![0]!); // file:line of the pipeline
    }

    [Fact]
    public async Task Pipelines_datasets_tables_jobs_streams_health_metrics_and_openapi_answer()
    {
        var pipelines = (await server.GetJsonAsync("/api/pipelines")).AsArray();
        Assert.Equal(["gated", "load", "quick"], pipelines.Select(p => (string)p!["name"]!).Order());
        var (validStatus, valid) = await SendAsync(server.Http, HttpMethod.Post, "/api/pipelines/quick/validate");
        Assert.Equal(HttpStatusCode.OK, validStatus);
        Assert.True((bool)valid["valid"]!);
        var datasets = await server.GetJsonAsync("/api/pipelines/quick/datasets");
        Assert.Equal(["alpha", "beta", "gamma"], datasets["extract"]!["datasets"]!.AsArray().Select(d => (string)d!));

        var load = await server.TriggerAsync("load");
        var loaded = await server.WaitForRunAsync(load, ServerFixture.Ended);
        Assert.True((string?)loaded["status"] == "SUCCEEDED", loaded.ToJsonString());
        var tables = (await server.GetJsonAsync("/api/tables")).AsArray();
        var orders = Assert.Single(tables, t => (string)t!["table"]! == "orders")!;
        var name = $"{orders["namespace"]}.orders";
        Assert.Equal(3, (long)(await server.GetJsonAsync($"/api/tables/{name}"))["records"]!);
        var schema = (await server.GetJsonAsync($"/api/tables/{name}/schema")).AsArray();
        var email = Assert.Single(schema, c => (string)c!["name"]! == "email")!;
        Assert.Equal("pii", (string?)email["classification"]);
        Assert.True((bool)email["sensitive"]!);
        Assert.Single((await server.GetJsonAsync($"/api/tables/{name}/snapshots")).AsArray());
        Assert.Equal("pii", (string?)(await server.GetJsonAsync($"/api/tables/{name}/properties"))["classification.fields.email"]);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/api/tables/sales.nothing")).StatusCode);

        Assert.Equal("acme/orders", (string?)(await server.GetJsonAsync("/api/jobs"))[0]!["id"]);
        var tags = await server.GetJsonAsync($"/api/jobs/{Seg("acme/orders")}/tags");
        Assert.Equal("pii", (string?)tags["table_properties"]!["classification.fields.email"]);
        Assert.NotEmpty(tags["infrastructure_tags"]!.AsObject());
        Assert.Contains("tags", (await server.GetJsonAsync($"/api/jobs/{Seg("acme/orders")}/tfvars"))["hcl"]!.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"/api/jobs/{Seg("../../etc/passwd")}/tags")).StatusCode);

        var streams = await server.GetJsonAsync("/api/streams");
        Assert.False((bool)streams["configured"]!);
        Assert.StartsWith("streams are not configured", (string?)streams["message"], StringComparison.Ordinal);

        Assert.Equal("ok", (string?)(await server.GetJsonAsync("/healthz"))["status"]);
        Assert.Equal("ready", (string?)(await server.GetJsonAsync("/readyz"))["status"]);
        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Contains("dativo_run_status{pipeline=\"load\"", metrics);
        Assert.Contains("dativo_http_requests_total{route=\"/api/tables/{name}/schema\",method=\"GET\",status=\"200\"} 1", metrics);

        var openapi = await server.GetJsonAsync("/openapi.json");
        var paths = openapi["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var p in new[] { "/api/pipelines", "/api/pipelines/{name}/runs", "/api/runs", "/api/runs/{id}", "/api/runs/{id}/logs", "/api/runs/{id}/retry",
                     "/api/runs/{id}/cancel", "/api/pipelines/{name}/datasets", "/api/tables/{name}/schema", "/api/tables/{name}/snapshots",
                     "/api/tables/{name}/properties", "/api/jobs/{id}/tags", "/api/jobs/{id}/tfvars", "/api/streams", "/api/streams/{name}/metrics", "/api/streams/{name}/alarms" })
            Assert.Contains(p, paths);
    }

    [Fact]
    public async Task Stored_values_are_escaped_on_every_page()
    {
        // a run written by another tool, with markup in every free-text field
        var store = server.Web.Services.GetRequiredService<ServerContext>().Runs;
        var evil = "<script>alert(1)</script>";
        var run = new RunRecord
        {
            RunId = "x<b>y/\"><img src=x onerror=alert(2)>", Pipeline = "x<b>y", CorrelationId = "\"><img src=x onerror=alert(2)>", Status = RunStatus.Failed,
            Error = evil, CreatedAt = DateTimeOffset.UtcNow, StartedAt = DateTimeOffset.UtcNow, EndedAt = DateTimeOffset.UtcNow,
            Tasks = { [evil] = new TaskRecord { Status = RunStatus.Failed, Error = evil } },
        };
        Assert.True(await store.TryPutRunAsync(run, TimeSpan.FromDays(1), CancellationToken.None));
        foreach (var page in new[] { "/", "/?fragment=grid", "/runs/" + Seg(run.RunId) })
        {
            var html = await server.Http.GetStringAsync(page);
            Assert.DoesNotContain("<script>alert", html);
            Assert.DoesNotContain("<img src=x", html);
            Assert.DoesNotContain("<b>y", html);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        }
        await store.DeleteRunAsync(run.RunId, CancellationToken.None);
    }
}
