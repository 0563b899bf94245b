using System.Globalization;
using System.Net;
using System.Text;

namespace Dativo.Cli.Demo;

/// <summary>A bar chart: one value per label.</summary>
internal sealed record BarChart(string Title, string Subtitle, IReadOnlyList<string> Labels, IReadOnlyList<double> Values, string Unit);

/// <summary>A table shown under the charts.</summary>
internal sealed record ReportTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>
/// A self-contained HTML report (inline SVG, no scripts, no network), so it opens anywhere,
/// including air-gapped machines and CI's headless browser.
/// </summary>
internal static class HtmlReport
{
    public static string Render(string title, string subtitle, IReadOnlyList<BarChart> charts, IReadOnlyList<ReportTable> tables) =>
        Render(title, subtitle, [], [.. charts], tables);

    /// <summary>KPI tiles, then the charts (<see cref="BarChart"/> or <see cref="LineChart"/>) in a grid, then the tables.</summary>
    public static string Render(string title, string subtitle, IReadOnlyList<Kpi> kpis, IReadOnlyList<object> charts, IReadOnlyList<ReportTable> tables, string? footer = null)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>").Append(E(title)).Append("</title>");
        sb.Append("<style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2433}")
          .Append("header{background:linear-gradient(120deg,#1e3a8a,#2563eb 60%,#0891b2);color:#fff;padding:28px 32px 56px}header h1{margin:0 0 6px;font-size:26px}")
          .Append("header p{margin:0;opacity:.85}main{padding:0 32px 32px;margin-top:-36px}")
          .Append(".kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:16px;margin-bottom:20px}")
          .Append(".kpi{background:#fff;border-radius:10px;padding:14px 18px;box-shadow:0 1px 3px rgba(0,0,0,.1)}.kv{font-size:26px;font-weight:650;color:#1e3a8a}")
          .Append(".kl{font-size:13px;font-weight:600;margin-top:2px}.kn{font-size:12px;color:#5b6475}")
          .Append(".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:20px}.wide{grid-column:1/-1}")
          .Append(".card{background:#fff;border-radius:10px;padding:16px 20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}h2{font-size:17px;margin:0}")
          .Append("p.note{margin:2px 0 10px;color:#5b6475;font-size:13px}table{border-collapse:collapse;width:100%;font-size:13px}")
          .Append("th,td{padding:4px 8px;border-bottom:1px solid #e6e8ec;text-align:right}th:first-child,td:first-child{text-align:left}")
          .Append("th{color:#5b6475;font-weight:600}tbody tr:nth-child(even){background:#fafbfc}.tables{display:grid;grid-template-columns:1fr;gap:0}")
          .Append("footer{color:#5b6475;font-size:12px;padding:0 32px 24px}svg text{font-size:12px;fill:#1d2433}svg text.axis{fill:#5b6475;font-size:11px}</style></head><body>");
        sb.Append("<header><h1>").Append(E(title)).Append("</h1><p>").Append(E(subtitle)).Append("</p></header><main>");
        LineChartSvg.AppendKpis(sb, kpis);
        sb.Append("<div class=\"grid\">");
        foreach (var chart in charts)
        {
            if (chart is BarChart bar) AppendChart(sb, bar);
            else if (chart is LineChart line) LineChartSvg.Append(sb, line);
        }
        sb.Append("</div><div class=\"tables\">");
        foreach (var table in tables) AppendTable(sb, table);
        sb.Append("</div></main>");
        if (footer is not null) sb.Append("<footer>").Append(E(footer)).Append("</footer>");
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static void AppendChart(StringBuilder sb, BarChart c)
    {
        const int rowHeight = 26, labelWidth = 150, barWidth = 260, valueWidth = 80;
        var height = Math.Max(1, c.Labels.Count) * rowHeight + 10;
        var max = c.Values.Count == 0 ? 1 : Math.Max(c.Values.Max(), 1e-9);
        sb.Append("<section class=\"card\"><h2>").Append(E(c.Title)).Append("</h2><p class=\"note\">").Append(E(c.Subtitle)).Append("</p>");
        sb.Append(CultureInfo.InvariantCulture, $"<svg role=\"img\" aria-label=\"{E(c.Title)}\" width=\"{labelWidth + barWidth + valueWidth}\" height=\"{height}\">");
        for (var i = 0; i < c.Labels.Count; i++)
        {
            var y = i * rowHeight + 5;
            var w = Math.Max(1, c.Values[i] / max * barWidth);
            var hue = 210 - (int)(c.Values[i] / max * 40);
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 16}\">{E(c.Labels[i])}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 3}\" width=\"{w:0.#}\" height=\"{rowHeight - 8}\" rx=\"3\" fill=\"hsl({hue},65%,50%)\"><title>{E(c.Labels[i])}: {Format(c.Values[i])}{E(c.Unit)}</title></rect>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + w + 6:0.#}\" y=\"{y + 16}\">{Format(c.Values[i])}{E(c.Unit)}</text>");
        }
        sb.Append("</svg></section>");
    }

    private static void AppendTable(StringBuilder sb, ReportTable t)
    {
        sb.Append("<section class=\"card\" style=\"margin-top:20px\"><h2>").Append(E(t.Title)).Append("</h2><table><thead><tr>");
        foreach (var col in t.Columns) sb.Append("<th>").Append(E(col)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in t.Rows)
        {
            sb.Append("<tr>");
            foreach (var cell in row) sb.Append("<td>").Append(E(cell)).Append("</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></section>");
    }

    private static string Format(double v) =>
        Math.Abs(v) >= 1000 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
