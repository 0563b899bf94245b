using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dativo.Application.Pipelines;
using Dativo.Lake.State;
using Dativo.Orchestration.Runs;
using Dativo.Server.Api;
using Dativo.Server.Config;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Dativo.Testing;
using AppContext = Dativo.Application.AppContext;

namespace Dativo.Server.Tests;

/// <summary>
/// 10,000 stored runs (4,000 stored before the run index existed, 6,000 through the run store), written in bulk through
/// the store; the server lists them from the index: order, filters, keyset paging, show, the grid's pages.
/// </summary>
public sealed class RunIndexApiTests(RunIndexApiTests.ManyRuns server) : IClassFixture<RunIndexApiTests.ManyRuns>
{
    [Fact]
    public async Task Paging_through_every_run_returns_each_once_newest_first()
    {
        var seen = new List<string>();
        string? before = null;
        var pages = 0;
        do
        {
            var (rows, next) = await server.ListAsync("/api/runs?limit=1000" + (before is null ? "" : "&before=" + Uri.EscapeDataString(before)));
            seen.AddRange(rows.Select(r => (string)r!["run_id"]!));
            before = next;
            pages++;
        }
        while (before is not null);
        Assert.Equal(10, pages);
        Assert.Equal(server.Expected.Select(r => r.RunId), seen);

        var (newest, _) = await server.ListAsync("/api/runs");
        Assert.Equal(server.Expected.Take(RunsApi.DefaultLimit).Select(r => r.RunId), newest.Select(r => (string)r!["run_id"]!));
        var first = newest[0]!;
        var want = server.Expected[0];
        Assert.Equal((want.Pipeline, want.Status, want.RunCounter, want.ExportDate), ((string)first["pipeline"]!, (string)first["status"]!, (int)first["run_counter"]!, (string?)first["export_date"]));
    }

    [Fact]
    public async Task Filters_and_their_pages_match_the_stored_runs()
    {
        var since = server.T0.AddDays(3);
        var until = server.T0.AddDays(12);
        var expected = server.Expected.Where(r => r.Pipeline == "pipeline-07" && r.Status is RunStatus.Failed or RunStatus.Cancelled
            && r.ListedAt >= since && r.ListedAt < until).Select(r => r.RunId).ToList();
        Assert.True(expected.Count > 40, $"only {expected.Count} runs match");
        var query = $"/api/runs?pipeline=pipeline-07&status=failed&status=cancelled&since={Iso(since)}&until={Iso(until)}&limit=20";
        var seen = new List<string>();
        var (rows, next) = await server.ListAsync(query);
        seen.AddRange(rows.Select(r => (string)r!["run_id"]!));
        while (next is not null)
        {
            (rows, next) = await server.ListAsync(query + "&before=" + Uri.EscapeDataString(next));
            seen.AddRange(rows.Select(r => (string)r!["run_id"]!));
        }
        Assert.Equal(expected, seen);

        var (queued, _) = await server.ListAsync("/api/runs?status=queued&limit=1000");
        Assert.Equal(server.Expected.Where(r => r.Status == RunStatus.Queued).Take(1000).Select(r => r.RunId), queued.Select(r => (string)r!["run_id"]!));
        var bad = await server.Http.GetAsync("/api/runs?before=nonsense");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("not a cursor", (string)JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["error"]!);
    }

    [Fact]
    public async Task Show_reads_one_run_also_one_stored_before_the_index()
    {
        var legacy = server.Expected.First(r => r.RunId.EndsWith("run-000123", StringComparison.Ordinal));
        var shown = await GetJsonAsync(server.Http, "/api/runs/" + Uri.EscapeDataString(legacy.RunId));
        Assert.Equal((legacy.RunId, legacy.Status), ((string)shown["run_id"]!, (string)shown["status"]!));
        Assert.Equal(["extract", "load", "report"], shown["tasks"]!.AsObject().Select(kv => kv.Key));
        var byShortId = await GetJsonAsync(server.Http, "/api/runs/" + RunLookup.ShortId(legacy.RunId));
        Assert.Equal(legacy.RunId, (string)byShortId["run_id"]!);
    }

    [Fact]
    public async Task The_grid_shows_a_page_of_runs_and_links_to_the_older_ones()
    {
        var html = await server.Http.GetStringAsync("/");
        var shown = Regex.Matches(html, "data-run-row=\"([0-9a-f]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(server.Expected.Take(30).Select(r => RunLookup.ShortId(r.RunId)), shown);
        var href = WebUtility(Regex.Match(html, "<a href=\"([^\"]+)\" id=\"older\"").Groups[1].Value);
        Assert.True(href.Length > 0, "no link to older runs");
        var next = await server.Http.GetStringAsync(href);
        Assert.Equal(server.Expected.Skip(30).Take(30).Select(r => RunLookup.ShortId(r.RunId)),
            Regex.Matches(next, "data-run-row=\"([0-9a-f]+)\"").Select(m => m.Groups[1].Value));
    }

    private static string WebUtility(string html) => System.Net.WebUtility.HtmlDecode(html);

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    private static async Task<JsonNode> GetJsonAsync(HttpClient http, string path)
    {
        var r = await http.GetAsync(path);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{path}: {(int)r.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>The server over a state store holding 10,000 runs of 20 pipelines.</summary>
    public sealed class ManyRuns : IAsyncLifetime, IDisposable
    {
        public const int Count = 10_000, Legacy = 4_000;

        private readonly TempDir _dir = new("dativo-runindex-");
        private WebApplication _web = null!;

        public DateTimeOffset T0 { get; } = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

        /// <summary>Every stored run as the list must show it: newest first (started, else created), then run id descending.</summary>
        public List<RunRow> Expected { get; } = [];

        public HttpClient Http { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            File.WriteAllText(Path.Combine(_dir.Path, "dativo.yaml"), "urls: http://127.0.0.1:0\nschedule: false\n");
            var app = new AppContext(_ => null, TimeProvider.System, _dir.Path, _ => { });
            var store = (StateStoreRunStore)PipelineHost.OpenRunStore(app, null);
            string[] statuses = [RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled, RunStatus.Succeeded, RunStatus.Queued, RunStatus.Running];
            for (var i = 0; i < Count; i++)
            {
                var start = T0.AddMinutes(4 * (i % 10 == 7 ? i - 1 : i)); // every 10th run starts with the one before it: ties break by run id
                var status = statuses[i % statuses.Length];
                var run = new RunRecord
                {
                    RunId = $"pipeline-{i % 20:D2}/run-{i:D6}", Pipeline = $"pipeline-{i % 20:D2}", CorrelationId = $"run-{i:D6}", RunCounter = 1 + i % 3,
                    Status = status, CreatedAt = start.AddSeconds(-5), StartedAt = status == RunStatus.Queued ? null : start,
                    EndedAt = RunStatus.IsTerminal(status) ? start.AddSeconds(30) : null, ExportDate = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    Error = status == RunStatus.Failed ? "extract failed" : null,
                };
                foreach (var t in new[] { "extract", "load", "report" }) run.Tasks[t] = new TaskRecord { Status = status };
                if (i < Legacy) // as a build without the run index stored it: the record alone
                    await store.State.PutAsync(StateStoreRunStore.RunsNamespace, run.RunId, System.Text.Json.JsonSerializer.Serialize(run, StateStoreRunStore.Json), 0);
                else Assert.True(await store.TryPutRunAsync(run, TimeSpan.FromDays(365), CancellationToken.None));
                Expected.Add(RunRow.From(run));
            }
            if (store.State is IAsyncDisposable d) await d.DisposeAsync();
            Expected.Sort((a, b) => a.ListedAt != b.ListedAt ? b.ListedAt.CompareTo(a.ListedAt) : string.CompareOrdinal(b.RunId, a.RunId));
            var config = ServerConfig.Load(null, _dir.Path, _ => null, new Dictionary<string, string?>());
            _web = DativoServer.Build(config, app, l => l.SetMinimumLevel(LogLevel.Warning));
            await _web.StartAsync();
            Http = new HttpClient { BaseAddress = new Uri(DativoServer.Addresses(_web).First()) };
        }

        public async Task<(JsonArray Rows, string? Next)> ListAsync(string path)
        {
            var r = await Http.GetAsync(path);
            var text = await r.Content.ReadAsStringAsync();
            Assert.True(r.IsSuccessStatusCode, $"{path}: {(int)r.StatusCode} {text}");
            var next = r.Headers.TryGetValues(RunsApi.NextHeader, out var v) ? v.Single() : null;
            return (JsonNode.Parse(text)!.AsArray(), next);
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await _web.StopAsync();
            await _web.DisposeAsync();
            Dispose();
        }

        public void Dispose() => _dir.Dispose();
    }
}
