using System.Net.Http.Json;
using Dativo.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dativo.Server.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's chromium driven by Playwright through its executable path): trigger a pipeline,
/// watch it finish in the grid, open the run page and an attempt's log, cancel a long run, look at a table. Screenshots go to
/// .build/test-results/screenshots.
/// </summary>
public sealed class DashboardBrowserTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string Shots = Repo.Path_(".build", "test-results", "screenshots");
    private static readonly LocatorAssertionsToHaveCountOptions Long = new() { Timeout = 90_000 };

    private static Task ShotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Shots);
        return page.ScreenshotAsync(new() { Path = Path.Combine(Shots, name + ".png"), FullPage = true });
    }

    [SkippableFact]
    public async Task Trigger_watch_in_the_grid_open_the_run_read_a_log_cancel_a_long_run_and_browse_a_table()
    {
        Skip.If(Chromium.Path is null, Chromium.MissingReason);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium.Path, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 860 } });
        page.Dialog += async (_, d) => await d.AcceptAsync();
        page.SetDefaultTimeout(90_000);

        // trigger from the runs page and watch the run go green in the grid
        await page.GotoAsync(server.Url + "/");
        await page.ClickAsync("button[data-trigger='quick']");
        var done = page.Locator(".grid-block[data-pipeline='quick'] a.cell[data-task='report'][data-status='succeeded']");
        await Expect(done).ToHaveCountAsync(1, Long);
        await Expect(page.Locator(".grid-block[data-pipeline='quick'] a.cell[data-task='extract'][data-status='succeeded']")).ToHaveCountAsync(1);
        await ShotAsync(page, "runs-grid");

        // the run page: every fan-out item, and the log of an attempt
        await done.ClickAsync();
        await page.WaitForURLAsync("**/runs/**");
        await Expect(page.Locator("section.task[data-task='extract'] tr[data-item]")).ToHaveCountAsync(3);
        await Expect(page.Locator("tr[data-item='gamma'][data-status='succeeded']")).ToHaveCountAsync(1);
        await page.ClickAsync("tr[data-item='beta'] a.log-link");
        await Expect(page.Locator("#log-text")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("hello beta"));
        await ShotAsync(page, "run-page");

        // a long run: open it while it runs, cancel it, see it end cancelled (the page updates itself)
        await page.GotoAsync(server.Url + "/");
        await page.ClickAsync("button[data-trigger='gated']");
        var running = page.Locator(".grid-block[data-pipeline='gated'] a.cell[data-task='wait'][data-status='running']");
        await Expect(running).ToHaveCountAsync(1, Long);
        await running.ClickAsync();
        await Expect(page.Locator("#run[data-status='running']")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr[data-item='wait'][data-status='running']")).ToHaveCountAsync(1, Long);
        await ShotAsync(page, "run-running");
        await page.ClickAsync("#cancel");
        await Expect(page.Locator("#run[data-status='cancelled']")).ToHaveCountAsync(1, Long);
        await Expect(page.Locator("#retry")).ToHaveCountAsync(1);
        await ShotAsync(page, "run-cancelled");

        // a table loaded by a job: schema with the PII column highlighted, snapshots, tags and lineage
        var load = await server.TriggerAsync("load");
        Assert.Equal("SUCCEEDED", (string?)(await server.WaitForRunAsync(load, ServerFixture.Ended))["status"]);
        await page.GotoAsync(server.Url + "/tables");
        await page.ClickAsync("#tables a");
        await Expect(page.Locator("#schema tr.pii[data-column='email']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#schema tr.pii")).ToHaveCountAsync(1);
        await Expect(page.Locator("#lineage .node")).ToHaveCountAsync(3);
        await ShotAsync(page, "table-page");

        await page.GotoAsync(server.Url + "/streams");
        await Expect(page.Locator("#streams-state")).ToContainTextAsync("streams are not configured");
    }

    [SkippableFact]
    public async Task The_streams_page_charts_incoming_and_delivered_traffic_and_shows_the_alarm_states()
    {
        Skip.If(Chromium.Path is null, Chromium.MissingReason);
        await using var streams = await StreamsServer.StartNewAsync();
        using var ingest = new HttpClient { BaseAddress = new Uri(streams.Url) };
        ingest.DefaultRequestHeaders.Authorization = new("Bearer", streams.Ingest);
        // a minute and a half of traffic, sampled every 10 s: more pages, more records each interval
        for (var k = 1; k <= 9; k++)
        {
            var records = Enumerable.Range(0, k * 4).Select(i => new { page = "p" + (i % Math.Min(k, 5)), i }).ToArray();
            var put = await ingest.PostAsJsonAsync("/api/streams/clicks/records", new { records });
            Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
            await streams.AdvanceAsync(TimeSpan.FromSeconds(10));
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium.Path, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new()
        {
            ViewportSize = new() { Width = 1280, Height = 860 },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + streams.Read },
        });
        page.SetDefaultTimeout(90_000);
        await page.GotoAsync(streams.Url + "/streams");
        var clicks = page.Locator("section.stream[data-stream='clicks']");
        await Expect(clicks.Locator("svg.chart")).ToHaveCountAsync(4);
        await Expect(clicks.Locator("svg.chart polyline.series.c-in")).ToHaveCountAsync(2);
        await Expect(clicks.Locator("svg.chart polyline.series.c-out")).ToHaveCountAsync(1);
        await Expect(clicks.Locator(".badge[data-alarm='high'].a-alarm")).ToHaveTextAsync("high ALARM");
        await Expect(clicks.Locator(".badge[data-alarm='low'].a-ok")).ToHaveTextAsync("low OK");
        await Expect(page.Locator("section.stream[data-stream='audit'] svg.chart")).ToHaveCountAsync(4);
        await Expect(page.Locator("#streams[data-live='true']")).ToHaveCountAsync(1);
        await ShotAsync(page, "streams-page");
    }
}
