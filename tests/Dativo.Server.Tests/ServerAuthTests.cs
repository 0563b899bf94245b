using System.Net;
using System.Text.Json.Nodes;
using Dativo.Application.Security;
using Dativo.Core.Config;
using Dativo.Server.Config;
using Dativo.Server.Hosting;
using Dativo.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dativo.Server.Tests;

/// <summary>A server that requires keys (auth.required on loopback, as any non-loopback address does), with a delivery stream.</summary>
public class KeyedServerFixture : ServerFixture
{
    protected override string Config => "auth:\n  required: true\nstreams: streams.yaml\n";

    /// <summary>The streams file: one stream named as the auth matrix fills <c>{name}</c>, without SigV4 (keys only).</summary>
    protected virtual string StreamsFile => """
        streams:
          - name: quick
            compression_format: UNCOMPRESSED
            destination: {local: {path: stream-out}}
            auth: none
        """;

    public string Read { get; private set; } = "";
    public string Operate { get; private set; } = "";
    public string Ingest { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        Dir.File("streams.yaml", StreamsFile);
        await base.InitializeAsync();
        // keys through the CLI, on the same state store the server reads
        Read = await CreateKeyAsync("read");
        Operate = await CreateKeyAsync("operate");
        Ingest = await CreateKeyAsync("ingest");
    }

    public async Task<string> CreateKeyAsync(string scope)
    {
        var (code, stdout, stderr) = await CliAsync("keys", "create", "--scope", scope, "--state", Path(".dativo", "state.db"));
        Assert.True(code == 0, stderr);
        return stdout.Trim();
    }

    public static async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        var code = await Cli.DativoCli.RunAsync(args, o, e, CancellationToken.None);
        return (code, o.ToString(), e.ToString());
    }
}

public sealed class ServerAuthTests(KeyedServerFixture server) : IClassFixture<KeyedServerFixture>
{
    private static readonly HashSet<string> OperateRoutes = new(StringComparer.Ordinal)
    {
        "POST /api/pipelines/{name}/runs", "POST /api/runs/{id}/retry", "POST /api/runs/{id}/cancel", "DELETE /api/runs/{id}",
    };
    private static readonly HashSet<string> IngestRoutes = new(StringComparer.Ordinal) { "POST /api/streams/{name}/records" };

    /// <summary>Every operation of the OpenAPI document (so a new endpoint is covered without editing this test), plus the pages and /metrics.</summary>
    private async Task<List<(HttpMethod Method, string Template)>> EndpointsAsync()
    {
        using var http = Client(server.Read);
        var doc = JsonNode.Parse(await http.GetStringAsync("/openapi.json"))!;
        var list = new List<(HttpMethod, string)>();
        foreach (var (path, ops) in doc["paths"]!.AsObject())
            foreach (var (method, _) in ops!.AsObject())
                list.Add((new HttpMethod(method.ToUpperInvariant()), path));
        Assert.True(list.Count >= 18, $"only {list.Count} operations in the OpenAPI document");
        list.AddRange([(HttpMethod.Get, "/openapi.json"), (HttpMethod.Get, "/metrics"), (HttpMethod.Get, "/"), (HttpMethod.Get, "/tables"), (HttpMethod.Get, "/streams")]);
        return list;
    }

    private HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }

    private static string Fill(string template) => template.Replace("{name}", "quick").Replace("{id}", "nosuchrun");

    private static async Task AssertRefusedAsync(HttpClient http, HttpMethod method, string path, HttpStatusCode expected, string why)
    {
        using var req = new HttpRequestMessage(method, path);
        var r = await http.SendAsync(req);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == expected, $"{method} {path} with {why}: {(int)r.StatusCode} {text}");
        Assert.False(string.IsNullOrEmpty((string?)JsonNode.Parse(text)!["error"]), $"{method} {path}: no JSON error: {text}");
    }

    [Fact]
    public async Task Every_endpoint_refuses_a_missing_wrong_revoked_or_under_scoped_key()
    {
        var revoked = await server.CreateKeyAsync("operate");
        var (code, _, err) = await KeyedServerFixture.CliAsync("keys", "revoke", revoked.Split('_')[1], "--state", server.Path(".dativo", "state.db"));
        Assert.True(code == 0, err);
        using var none = Client(null);
        using var wrong = Client(server.Operate[..^4] + "AAAA");
        using var gone = Client(revoked);
        using var read = Client(server.Read);
        using var ingest = Client(server.Ingest);
        using var operate = Client(server.Operate);
        foreach (var (method, template) in await EndpointsAsync())
        {
            var path = Fill(template);
            var route = $"{method} {template}";
            if (template is "/healthz" or "/readyz") continue;
            await AssertRefusedAsync(none, method, path, HttpStatusCode.Unauthorized, "no key");
            await AssertRefusedAsync(wrong, method, path, HttpStatusCode.Unauthorized, "a wrong key");
            await AssertRefusedAsync(gone, method, path, HttpStatusCode.Unauthorized, "a revoked key");
            if (IngestRoutes.Contains(route))
            {
                await AssertRefusedAsync(read, method, path, HttpStatusCode.Forbidden, "a read key");
                await AssertRefusedAsync(operate, method, path, HttpStatusCode.Forbidden, "an operate key");
            }
            else
            {
                await AssertRefusedAsync(ingest, method, path, HttpStatusCode.Forbidden, "an ingest key");
                if (OperateRoutes.Contains(route)) await AssertRefusedAsync(read, method, path, HttpStatusCode.Forbidden, "a read key");
            }
        }
    }

    [Fact]
    public async Task The_Firehose_API_on_the_server_port_takes_ingest_keys_only()
    {
        var revoked = await server.CreateKeyAsync("ingest");
        var (code, _, err) = await KeyedServerFixture.CliAsync("keys", "revoke", revoked.Split('_')[1], "--state", server.Path(".dativo", "state.db"));
        Assert.True(code == 0, err);
        var cases = new (string? Key, HttpStatusCode Status, string Type)[]
        {
            (null, HttpStatusCode.Unauthorized, "MissingAuthenticationTokenException"),
            (server.Ingest[..^4] + "AAAA", HttpStatusCode.Unauthorized, "UnrecognizedClientException"),
            (revoked, HttpStatusCode.Unauthorized, "UnrecognizedClientException"),
            (server.Read, HttpStatusCode.Forbidden, "AccessDeniedException"),
            (server.Operate, HttpStatusCode.Forbidden, "AccessDeniedException"),
        };
        foreach (var (key, status, type) in cases)
        {
            using var http = Client(key);
            var (got, body) = await StreamsApiTests.FirehoseAsync(http, "PutRecord", new { DeliveryStreamName = "quick", Record = new { Data = "e30=" } });
            Assert.True(got == status && (string?)body["__type"] == type, $"key {key?[..8] ?? "none"}: {(int)got} {body.ToJsonString()}");
        }
        using var ingest = Client(server.Ingest);
        var (ok, list) = await StreamsApiTests.FirehoseAsync(ingest, "ListDeliveryStreams", new { });
        Assert.True(ok == HttpStatusCode.OK, list.ToJsonString());
        Assert.Equal("quick", (string?)list["DeliveryStreamNames"]![0]);
        var rest = await ingest.PostAsync("/api/streams/quick/records", new StringContent("{\"records\": [{\"a\": 1}]}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
    }

    [Fact]
    public async Task Keys_in_their_scope_are_accepted_and_health_needs_none()
    {
        using var none = Client(null);
        Assert.Equal(HttpStatusCode.OK, (await none.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await none.GetAsync("/readyz")).StatusCode);
        using var read = Client(server.Read);
        Assert.Equal(HttpStatusCode.OK, (await read.GetAsync("/api/runs")).StatusCode);
        using var operate = Client(server.Operate);
        var id = await server.TriggerAsync("quick", http: operate);
        Assert.Equal("SUCCEEDED", (string?)(await server.WaitForRunAsync(id, ServerFixture.Ended, read))["status"]);
        // the key list shows ids, names and scopes, never a key or its hash
        var (code, list, _) = await KeyedServerFixture.CliAsync("keys", "list", "--json", "--state", server.Path(".dativo", "state.db"));
        Assert.Equal(0, code);
        Assert.DoesNotContain(server.Read.Split('_')[2], list);
        Assert.DoesNotContain("sha256", list);
        Assert.Contains("\"scope\": \"ingest\"", list);
    }

    [Fact]
    public async Task The_dashboard_signs_in_with_a_key_cookie_and_refuses_cross_site_changes()
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var browser = new HttpClient(handler) { BaseAddress = new Uri(server.Url) };
        using var page = new HttpRequestMessage(HttpMethod.Get, "/tables");
        page.Headers.Accept.ParseAdd("text/html");
        var redirect = await browser.SendAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith("/login", redirect.Headers.Location!.OriginalString);
        var login = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = server.Operate, ["next"] = "//evil.example/" }));
        Assert.Equal("/", login.Headers.Location!.OriginalString); // never an open redirect
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/tables")).StatusCode);
        // a form another site posts carries the cookie but cannot add the header
        var forged = await browser.PostAsync("/api/pipelines/quick/runs", new StringContent("{}", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("X-Dativo-Action", await forged.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Keys_are_required_off_loopback_and_a_bad_config_names_its_line()
    {
        using var dir = new TempDir();
        ServerConfig Load(string yaml)
        {
            dir.File("dativo.yaml", yaml);
            return ServerConfig.Load(null, dir.Path, _ => null, new Dictionary<string, string?>());
        }
        Assert.False(Load("urls: http://127.0.0.1:0;http://[::1]:0;http://localhost:1\n").KeysRequired);
        Assert.True(Load("urls: http://0.0.0.0:8080\n").KeysRequired);
        Assert.True(Load("urls: http://*:8080\n").KeysRequired);
        Assert.True(Load("urls: http://10.1.2.3:8080\n").KeysRequired);
        Assert.True(Load("auth: {required: true}\n").KeysRequired);
        // flags override the environment, which overrides the file
        var cfg = ServerConfig.Load(null, dir.Path, n => n == "DATIVO_WAREHOUSE" ? "/env/lake" : n == "DATIVO_JOBS" ? "/env/jobs" : null,
            new Dictionary<string, string?> { ["jobs"] = "/flag/jobs" });
        Assert.Equal(("/env/lake", "/flag/jobs"), (cfg.Warehouse, cfg.Jobs));
        var e = Assert.Throws<ConfigException>(() => Load("pipelines: ./p\nauth:\n  required: maybe\n"));
        Assert.Contains("dativo.yaml:3", e.Message);
        var u = Assert.Throws<Core.Errors.DativoException>(() => Load("urls: ftp://x\n"));
        Assert.Contains("ftp://x", u.Message);
    }

    [Fact]
    public async Task Stored_keys_are_hashes_compared_in_full()
    {
        var keys = server.Web.Services.GetRequiredService<ServerContext>().Keys;
        var all = await keys.ListAsync(CancellationToken.None);
        Assert.DoesNotContain(all, k => server.Read.Contains(k.Sha256, StringComparison.Ordinal));
        Assert.NotNull(await keys.VerifyAsync(server.Read, CancellationToken.None));
        Assert.Null(await keys.VerifyAsync(server.Read + "x", CancellationToken.None));
        Assert.Null(await keys.VerifyAsync(server.Read.Split('_')[0] + "_" + server.Read.Split('_')[1] + "_", CancellationToken.None));
        Assert.True(ApiKeys.Allows(ApiScope.Operate, ApiScope.Read));
        Assert.False(ApiKeys.Allows(ApiScope.Read, ApiScope.Operate));
        Assert.False(ApiKeys.Allows(ApiScope.Ingest, ApiScope.Read));
    }
}
