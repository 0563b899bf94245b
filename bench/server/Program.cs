using System.Diagnostics;
using System.Globalization;
using Dativo.Application.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Server;
using Dativo.Server.Config;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using AppContext = Dativo.Application.AppContext;

// dativo serve with 10,000 stored runs: p50/p99 of GET /api/runs (newest 100, filtered, a page in the middle) and GET /api/runs/{id} against the
// /healthz round trip, and the dashboard's first contentful paint against a static page's, both measured in this run.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
const int Requests = 300;
var dir = Directory.CreateTempSubdirectory("dativo-bench-server-").FullName;
try
{
    File.WriteAllText(Path.Combine(dir, "dativo.yaml"), "urls: http://127.0.0.1:0\nschedule: false\n");
    var app = new AppContext(_ => null, TimeProvider.System, dir, _ => { });
    var store = PipelineHost.OpenRunStore(app, null);
    var t0 = DateTimeOffset.UtcNow.AddDays(-30);
    var statuses = new[] { RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled };
    for (var i = 0; i < count; i++)
    {
        var start = t0.AddMinutes(i * 4);
        var status = statuses[i % statuses.Length];
        var run = new RunRecord
        {
            RunId = $"pipeline-{i % 20:D2}/run-{i:D6}", Pipeline = $"pipeline-{i % 20:D2}", CorrelationId = $"run-{i:D6}", RunCounter = 1, Status = status,
            CreatedAt = start, StartedAt = start, EndedAt = start.AddSeconds(30 + i % 90), ExportDate = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Error = status == RunStatus.Failed ? "extract failed: exit code 1" : null,
        };
        foreach (var t in new[] { "extract", "load", "report" })
            run.Tasks[t] = new TaskRecord { Status = status, StartedAt = start, EndedAt = start.AddSeconds(10) };
        await store.TryPutRunAsync(run, TimeSpan.FromDays(365), CancellationToken.None);
    }
    if (store is StateStoreRunStore { State: IAsyncDisposable d }) await d.DisposeAsync();

    var config = ServerConfig.Load(null, dir, _ => null, new Dictionary<string, string?>());
    var web = DativoServer.Build(config, app, l => l.SetMinimumLevel(LogLevel.Warning));
    await web.StartAsync();
    var url = DativoServer.Addresses(web).First();
    using var http = new HttpClient { BaseAddress = new Uri(url) };

    async Task<(double P50, double P99)> Latency(string path)
    {
        for (var i = 0; i < 20; i++) (await http.GetAsync(path)).EnsureSuccessStatusCode(); // warm-up
        var times = new List<double>();
        for (var i = 0; i < Requests; i++)
        {
            var sw = Stopwatch.StartNew();
            using var r = await http.GetAsync(path);
            await r.Content.ReadAsByteArrayAsync();
            r.EnsureSuccessStatusCode();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return (times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.99) - 1]);
    }

    var health = await Latency("/healthz");
    var list = await Latency("/api/runs?limit=100");
    var filtered = await Latency("/api/runs?pipeline=pipeline-07&status=failed&limit=100");
    var older = await Latency("/api/runs?limit=100&before=" + Uri.EscapeDataString($"{t0.AddMinutes(4 * (count / 2)).ToUnixTimeMilliseconds()}~pipeline-00/run-{count / 2:D6}"));
    var show = await Latency("/api/runs/" + Uri.EscapeDataString($"pipeline-07/run-{count / 2 + 7:D6}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stored runs: {count}, {Requests} requests each (p50 / p99)"));
    void Line(string what, (double P50, double P99) t) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-32} {t.P50,8:0.00} / {t.P99,8:0.00} ms   p99 {t.P99 / health.P99,6:0.0}x baseline"));
    Line("/healthz (baseline)", health);
    Line("GET /api/runs (newest 100)", list);
    Line("GET /api/runs filtered", filtered);
    Line("GET /api/runs page in the middle", older);
    Line("GET /api/runs/{id}", show);

    var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
    if (chromium is null) Console.WriteLine("dashboard first paint: skipped, chromium is not installed");
    else
    {
        using var pw = await Playwright.CreateAsync();
        await using var browser = await pw.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"] });
        async Task<double> FirstPaint(string path)
        {
            var samples = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                var page = await browser.NewPageAsync();
                await page.GotoAsync(url + path);
                samples.Add(await page.EvaluateAsync<double>("() => new Promise(r => { const e = performance.getEntriesByName('first-contentful-paint')[0]; if (e) r(e.startTime); else new PerformanceObserver(l => r(l.getEntries()[0].startTime)).observe({type: 'paint', buffered: true}); })"));
                await page.CloseAsync();
            }
            samples.Sort();
            return samples[samples.Count / 2];
        }
        var staticPage = await FirstPaint("/login");
        var grid = await FirstPaint("/");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dashboard first contentful paint (median of 7)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  static page (baseline)   {staticPage,8:0.0} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  runs grid, {count} runs {grid,8:0.0} ms   {grid / staticPage,6:0.0}x baseline"));
    }
    await web.StopAsync();
    await web.DisposeAsync();
}
finally
{
    try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
}
