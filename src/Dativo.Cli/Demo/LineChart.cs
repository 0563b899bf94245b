using System.Globalization;
using System.Net;
using System.Text;

namespace Dativo.Cli.Demo;

/// <summary>One line of a <see cref="LineChart"/>.</summary>
internal sealed record LineSeries(string Name, IReadOnlyList<double> Values);

/// <summary>A line chart: one series per name over shared x labels (e.g. days).</summary>
internal sealed record LineChart(string Title, string Subtitle, IReadOnlyList<string> X, IReadOnlyList<LineSeries> Series, string Unit);

/// <summary>A headline number shown as a tile above the charts.</summary>
internal sealed record Kpi(string Label, string Value, string Note);

/// <summary>Inline SVG for <see cref="LineChart"/>: grid lines, one polyline with points per series, a legend.</summary>
internal static class LineChartSvg
{
    public static readonly string[] Palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563", "#65a30d", "#ea580c"];

    public static void Append(StringBuilder sb, LineChart c)
    {
        const int width = 900, height = 300, left = 56, right = 150, top = 12, bottom = 30;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var all = c.Series.SelectMany(s => s.Values).Where(double.IsFinite).ToList();
        var min = all.Count == 0 ? 0 : all.Min();
        var max = all.Count == 0 ? 1 : all.Max();
        var pad = Math.Max((max - min) * 0.1, 0.5);
        (min, max) = (Math.Max(0, min - pad), max + pad);
        double X(int i) => left + (c.X.Count <= 1 ? plotW / 2.0 : i * plotW / (double)(c.X.Count - 1));
        double Y(double v) => top + plotH - ((v - min) / (max - min) * plotH);

        sb.Append("<section class=\"card wide\"><h2>").Append(E(c.Title)).Append("</h2><p class=\"note\">").Append(E(c.Subtitle)).Append("</p>");
        sb.Append(Inv($"<svg role=\"img\" aria-label=\"{E(c.Title)}\" viewBox=\"0 0 {width} {height}\" width=\"100%\" style=\"max-width:{width}px\">"));
        for (var g = 0; g <= 4; g++)
        {
            var v = min + ((max - min) * g / 4);
            sb.Append(Inv($"<line x1=\"{left}\" x2=\"{left + plotW}\" y1=\"{Y(v):0.#}\" y2=\"{Y(v):0.#}\" stroke=\"#e6e8ec\"/>"));
            sb.Append(Inv($"<text x=\"{left - 6}\" y=\"{Y(v) + 4:0.#}\" text-anchor=\"end\" class=\"axis\">{v:0.#}{E(c.Unit)}</text>"));
        }
        for (var i = 0; i < c.X.Count; i++)
            sb.Append(Inv($"<text x=\"{X(i):0.#}\" y=\"{height - 8}\" text-anchor=\"middle\" class=\"axis\">{E(c.X[i])}</text>"));
        for (var s = 0; s < c.Series.Count; s++)
        {
            var series = c.Series[s];
            var color = Palette[s % Palette.Length];
            var points = string.Join(" ", series.Values.Select((v, i) => (v, i)).Where(p => double.IsFinite(p.v)).Select(p => Inv($"{X(p.i):0.#},{Y(p.v):0.#}")));
            sb.Append(Inv($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2.2\" stroke-linejoin=\"round\" points=\"{points}\"/>"));
            for (var i = 0; i < series.Values.Count; i++)
                if (double.IsFinite(series.Values[i])) sb.Append(Inv($"<circle cx=\"{X(i):0.#}\" cy=\"{Y(series.Values[i]):0.#}\" r=\"3\" fill=\"{color}\"><title>{E(series.Name)} {E(c.X[i])}: {series.Values[i]:0.##}{E(c.Unit)}</title></circle>"));
            var ly = top + 8 + (s * 18);
            sb.Append(Inv($"<line x1=\"{width - right + 12}\" x2=\"{width - right + 28}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"3\"/>"));
            sb.Append(Inv($"<text x=\"{width - right + 34}\" y=\"{ly + 4}\">{E(series.Name)}</text>"));
        }
        sb.Append("</svg></section>");
    }

    public static void AppendKpis(StringBuilder sb, IReadOnlyList<Kpi> kpis)
    {
        if (kpis.Count == 0) return;
        sb.Append("<div class=\"kpis\">");
        foreach (var k in kpis)
            sb.Append("<div class=\"kpi\"><div class=\"kv\">").Append(E(k.Value)).Append("</div><div class=\"kl\">").Append(E(k.Label))
              .Append("</div><div class=\"kn\">").Append(E(k.Note)).Append("</div></div>");
        sb.Append("</div>");
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
