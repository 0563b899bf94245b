using Dativo.Cli.Demo;
using Dativo.Testing;

namespace Dativo.Cli.Tests;

public class HtmlReportTests
{
    [SkippableFact]
    public async Task Report_renders_in_headless_chromium_with_its_charts()
    {
        Skip.If(Chromium.Path is null, Chromium.MissingReason);
        using var tmp = new TempDir();
        var html = HtmlReport.Render("Shipments", "2026-11-01 .. 2026-11-07",
            [
                new BarChart("Carrier on-time %", "share delivered without delay", ["FedEx", "UPS", "DHL"], [71.5, 69.2, 70.1], "%"),
                new BarChart("Delay % by city", "delayed / all shipments", ["Miami", "Boston"], [31.0, 28.5], "%"),
            ],
            [new ReportTable("Daily volume", ["date", "shipments"], [["2026-11-01", "1000"], ["<script>", "x"]])]);
        var page = tmp.File("report.html", html);

        var dom = await Chromium.DumpDomAsync("file://" + page);
        Assert.Contains("Carrier on-time %", dom);
        Assert.Contains("Delay % by city", dom);
        Assert.Contains("&lt;script&gt;", dom); // data is escaped, never executed
        Assert.Equal(5, dom.Split("<rect").Length - 1);

        var png = Path.Combine(tmp.Path, "report.png");
        await Chromium.SaveScreenshotAsync("file://" + page, png);
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.True(bytes.Length > 10_000, $"screenshot is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
    }
}
