using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dativo.Server;
using Dativo.Server.Config;
using Dativo.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using AppContext = Dativo.Application.AppContext;

namespace Dativo.Server.Tests;

/// <summary>
/// A working directory with pipelines (a quick fan-out, a run that waits for a file, one that loads a CSV into an Iceberg
/// table through a job) and the real server on a free loopback port. One server per test class.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    public const string Contract = """
        name: orders
        version: "1.0"
        domain: sales
        schema:
          - {name: id, type: long, required: true}
          - {name: email, type: string, classification: pii}
          - {name: amount, type: double}
        team: {owner: team@acme.com}
        """;

    internal TempDir Dir { get; } = new("dativo-serve-");
    public WebApplication Web { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string Url { get; private set; } = "";
    protected virtual string Config => "";

    /// <summary>The server's clock (a fake one lets a test drive buffering, sampling and alarm periods).</summary>
    protected virtual TimeProvider Time => TimeProvider.System;

    public string Path(params string[] parts) => System.IO.Path.Combine([Dir.Path, .. parts]);

    public virtual async Task InitializeAsync()
    {
        Dir.File("pipelines/quick.yaml", """
            name: quick
            params: {greeting: hello}
            tasks:
              - name: extract
                type: command
                foreach: {sources: [{values: [alpha, beta, gamma]}]}
                env: {GREETING: "{{ params.greeting }}"}
                command: [bash, -c, 'echo "$GREETING $DATIVO_DATASET"']
              - name: report
                type: command
                depends_on: [extract]
                command: [bash, -c, 'echo done']
            """);
        // waits for a file the test creates: a run that is certainly still running while the test acts on it
        Dir.File("pipelines/gated.yaml", """
            name: gated
            params: {gate: gate}
            tasks:
              - name: wait
                type: command
                working_dir: ..
                env: {GATE: "{{ params.gate }}"}
                command: [bash, -c, 'echo waiting; while [ ! -f "$GATE" ]; do sleep 0.05; done; echo passed']
            """);
        Dir.File("pipelines/load.yaml", """
            name: load
            tasks:
              - name: orders
                type: job
                job: ../jobs/acme/orders.yaml
                working_dir: ..
            """);
        Dir.File("jobs/acme/orders.yaml", "tenant_id: acme\nsource_connector: csv\ntarget_connector: iceberg\nasset: orders\nasset_path: ../../contracts/orders.yaml\nsource:\n  files: [{path: ../../data/orders.csv}]\n");
        Dir.File("contracts/orders.yaml", Contract);
        Dir.File("data/orders.csv", "id,email,amount\n1,a@x.com,10.5\n2,b@x.com,20\n3,c@x.com,7.25\n");
        Dir.File("dativo.yaml", "urls: http://127.0.0.1:0\nschedule: false\n" + Config);
        await StartAsync();
    }

    public async Task StartAsync()
    {
        var config = ServerConfig.Load(null, Dir.Path, Environment.GetEnvironmentVariable, new Dictionary<string, string?>());
        var app = new AppContext(Environment.GetEnvironmentVariable, Time, Dir.Path, _ => { });
        Web = DativoServer.Build(config, app, l => l.SetMinimumLevel(LogLevel.Warning));
        await Web.StartAsync();
        Url = DativoServer.Addresses(Web).First();
        Http = new HttpClient { BaseAddress = new Uri(Url) };
    }

    public async Task StopAsync()
    {
        Http.Dispose();
        await Web.StopAsync();
        await Web.DisposeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await StopAsync();
        Dir.Dispose();
    }

    /// <summary>Starts a run through the API; its run id.</summary>
    public async Task<string> TriggerAsync(string pipeline, object? body = null, HttpClient? http = null)
    {
        var r = await (http ?? Http).PostAsJsonAsync($"/api/pipelines/{pipeline}/runs", body ?? new { });
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == System.Net.HttpStatusCode.Accepted, text);
        return (string)JsonNode.Parse(text)!["run_id"]!;
    }

    public async Task<JsonNode> GetJsonAsync(string path, HttpClient? http = null)
    {
        var r = await (http ?? Http).GetAsync(path);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{path}: {(int)r.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Reads the run until <paramref name="done"/> holds (the server runs it in the background); fails after two minutes.</summary>
    public async Task<JsonNode> WaitForRunAsync(string runId, Func<JsonNode, bool> done, HttpClient? http = null)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var run = await GetJsonAsync("/api/runs/" + Uri.EscapeDataString(runId), http);
            if (done(run)) return run;
            await Task.Delay(50, limit.Token);
        }
    }

    public static bool Ended(JsonNode run) => (string)run["status"]! is "SUCCEEDED" or "FAILED" or "CANCELLED" or "TIMED_OUT";
}
