using Dativo.Application.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using AppContext = Dativo.Application.AppContext;

namespace Dativo.Server.Tests;

/// <summary>Stopping the server (what SIGTERM does to <c>dativo serve</c>): running runs finish within the grace, or are checkpointed; every acknowledged stream record is delivered.</summary>
public sealed class ShutdownTests
{
    private sealed class Graceful : ServerFixture
    {
        protected override string Config => "shutdown_grace: 5m\n";
    }

    private sealed class Impatient : ServerFixture
    {
        protected override string Config => "shutdown_grace: 0s\n";
    }

    private static async Task<string> StartGatedAsync(ServerFixture server)
    {
        var id = await server.TriggerAsync("gated", new { @params = new { gate = "gate-open" } });
        // its attempt has started: the script is waiting for the gate file
        await server.WaitForRunAsync(id, r => r["tasks"]?["wait"]?["items"]?.AsArray() is [{ } item, ..] && (string?)item["status"] == "RUNNING");
        return id;
    }

    private static async Task<RunRecord> StoredAsync(ServerFixture server, string id)
    {
        var app = new AppContext(_ => null, TimeProvider.System, server.Dir.Path, _ => { });
        var store = (StateStoreRunStore)PipelineHost.OpenRunStore(app, null);
        try { return (await store.GetRunAsync(id, CancellationToken.None))!; }
        finally { if (store.State is IAsyncDisposable d) await d.DisposeAsync(); }
    }

    [Fact]
    public async Task A_running_run_finishes_within_the_shutdown_grace()
    {
        var server = new Graceful();
        await server.InitializeAsync();
        try
        {
            var id = await StartGatedAsync(server);
            var supervisor = server.Web.Services.GetRequiredService<RunSupervisor>();
            var stopping = server.StopAsync();
            await supervisor.WhenStoppingAsync(); // the stop has begun and is waiting for the run
            Assert.False(stopping.IsCompleted);
            File.WriteAllText(server.Path("gate-open"), "");
            await stopping;
            var run = await StoredAsync(server, id);
            Assert.Equal(RunStatus.Succeeded, run.Status);
        }
        finally { server.Dir.Dispose(); }
    }

    [Fact]
    public async Task A_run_still_going_after_the_grace_is_checkpointed_and_resumes_on_retry()
    {
        var server = new Impatient();
        await server.InitializeAsync();
        try
        {
            var id = await StartGatedAsync(server);
            await server.StopAsync();
            var run = await StoredAsync(server, id);
            Assert.Equal(RunStatus.Cancelled, run.Status); // not left RUNNING with a dead owner
            File.WriteAllText(server.Path("gate-open"), "");
            await server.StartAsync();
            using var req = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{Uri.EscapeDataString(id)}/retry");
            req.Headers.Add("X-Dativo-Action", "1");
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await server.Http.SendAsync(req)).StatusCode);
            var again = await server.WaitForRunAsync(id, r => ServerFixture.Ended(r) && (int)r["run_counter"]! == 2);
            Assert.Equal("SUCCEEDED", (string?)again["status"]);
        }
        finally { await server.DisposeAsync(); }
    }

    [Fact]
    public async Task Stopping_the_server_delivers_every_acknowledged_stream_record()
    {
        var server = await StreamsServer.StartNewAsync();
        try
        {
            using var ingest = new HttpClient { BaseAddress = new Uri(server.Url) };
            ingest.DefaultRequestHeaders.Authorization = new("Bearer", server.Ingest);
            // audit holds records for 15 minutes in 128 MiB buffers: only the stop can deliver them now
            var put = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(ingest, "/api/streams/audit/records",
                new { records = new object[] { new { user = "ann", action = "login" }, new { user = "bob", action = "logout" } } });
            Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
            var (status, batch) = await StreamsApiTests.FirehoseAsync(ingest, "PutRecordBatch",
                new { DeliveryStreamName = "audit", Records = new[] { new { Data = Convert.ToBase64String("{\"user\":\"cy\"}"u8.ToArray()) } } });
            Assert.True(status == System.Net.HttpStatusCode.OK, batch.ToJsonString());
            await server.SettleAsync();
            Assert.Empty(server.Objects("audit-out"));

            await server.StopAsync();
            var delivered = Assert.Single(server.Objects("audit-out"));
            Assert.Equal("{\"user\":\"ann\",\"action\":\"login\"}{\"user\":\"bob\",\"action\":\"logout\"}{\"user\":\"cy\"}", delivered.Value);
        }
        finally { server.Dir.Dispose(); }
    }
}
