using System.Globalization;
using Dativo.Server.Hosting;
using Dativo.Streaming.Metrics;

namespace Dativo.Server.Dashboard;

/// <summary>
/// The streams page: per stream its counters, buffer fill, active partitions, alarm badges, and SVG line charts of the
/// sampled history drawn here on the server (no chart library, no script needed to see them). The block refreshes
/// itself every few seconds through the dashboard's fragment refresh.
/// </summary>
internal static class StreamsPages
{
    private const int W = 420, H = 130, Left = 56, Right = 8, Top = 10, Bottom = 22;

    /// <summary>The refreshable block of every stream (what <c>/streams?fragment=streams</c> answers).</summary>
    public static Html Streams(IStreamsView view)
    {
        var h = new Html().Add($"<div id=\"streams\" data-refresh=\"/streams?fragment=streams\" data-live=\"{(view.Configured ? "true" : "false")}\" data-every=\"5000\">");
        if (!view.Configured)
            return h.Add($"<p class=\"empty\" id=\"streams-state\">{view.Message}</p></div>");
        foreach (var s in view.List()) h.Add(Stream(s, view.History(s.Name), view.SampleInterval));
        return h.Add($"</div>");
    }

    private static Html Stream(StreamStatus s, IReadOnlyList<MetricSample> history, TimeSpan interval)
    {
        var h = new Html().Add($"<section class=\"stream\" data-stream=\"{s.Name}\"><h2>{s.Name} ");
        foreach (var a in s.Alarms)
            h.Add($"<span class=\"badge alarm {(a.State == "ALARM" ? "a-alarm" : "a-ok")}\" data-alarm=\"{a.Kind}\" title=\"{a.Metric} {(a.Kind == "high" ? ">" : "<")} {a.Threshold} over {a.PeriodSeconds}s\">{a.Kind} {a.State}</span> ");
        if (s.Alarms.Count == 0) h.Add($"<span class=\"muted\">no alarms</span>");
        h.Add($"</h2><dl class=\"facts\"><dt>destination</dt><dd><code>{s.Destination}</code>{(s.Prefix is null ? "" : " ")}<code>{s.Prefix ?? ""}</code></dd>");
        h.Add($"<dt>incoming</dt><dd>{s.IncomingRecords} records, {Bytes(s.IncomingBytes)}</dd>");
        h.Add($"<dt>delivered</dt><dd>{s.DeliveredRecords} records, {Bytes(s.DeliveredBytes)}{(s.ErrorRecords > 0 ? $" ({s.ErrorRecords} to the error prefix)" : "")}</dd>");
        h.Add($"<dt>buffer fill</dt><dd><meter min=\"0\" max=\"1\" value=\"{s.BufferFill.ToString("0.###", CultureInfo.InvariantCulture)}\"></meter> {Bytes(s.BufferedBytes)} buffered ({s.BufferFill:P0} of {Bytes(s.BufferingSizeBytes)} per open buffer, flushed after {s.BufferingIntervalSeconds}s)</dd>");
        h.Add($"<dt>active partitions</dt><dd>{s.ActivePartitions} of {s.MaxActivePartitions}</dd>");
        h.Add($"<dt>data freshness</dt><dd>{Layout.Duration(s.DataFreshnessSeconds)}</dd></dl>");
        var per = $"per {interval.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s";
        h.Add($"<div class=\"charts\">");
        h.Add(Chart($"Incoming records {per}", history, Count, ("c-in", "incoming records", m => m.IncomingRecords)));
        h.Add(Chart($"Bytes {per}", history, Bytes, ("c-in", "incoming", m => m.IncomingBytes), ("c-out", "delivered", m => m.DeliveredBytes)));
        h.Add(Chart("Buffered bytes", history, Bytes, ("c-buf", "buffered", m => m.BufferedBytes)));
        h.Add(Chart("Active partitions", history, Count, ("c-part", "active partitions", m => m.ActivePartitions)));
        return h.Add($"</div></section>");
    }

    /// <summary>One line per series over the samples (oldest left), the y axis from 0 to the largest value, the time span below.</summary>
    private static Html Chart(string title, IReadOnlyList<MetricSample> samples, Func<double, string> format,
        params (string Class, string Name, Func<MetricSample, double> Value)[] series)
    {
        var h = new Html().Add($"<figure class=\"stream-chart\"><figcaption>{title}</figcaption>");
        h.Add($"<svg class=\"chart\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{title}\">");
        var max = Math.Max(1, series.Max(se => samples.Count == 0 ? 0 : samples.Max(se.Value)));
        double X(int i) => samples.Count < 2 ? Left + (W - Left - Right) / 2.0 : Left + i * (W - Left - Right) / (double)(samples.Count - 1);
        double Y(double v) => Top + (H - Top - Bottom) * (1 - v / max);
        h.Add($"<line class=\"axis\" x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{H - Bottom}\"/><line class=\"axis\" x1=\"{Left}\" y1=\"{H - Bottom}\" x2=\"{W - Right}\" y2=\"{H - Bottom}\"/>");
        h.Add($"<text class=\"tick\" x=\"{Left - 4}\" y=\"{Top + 8}\" text-anchor=\"end\">{format(max)}</text><text class=\"tick\" x=\"{Left - 4}\" y=\"{H - Bottom}\" text-anchor=\"end\">0</text>");
        if (samples.Count == 0)
            h.Add($"<text class=\"tick\" x=\"{(W + Left) / 2}\" y=\"{H / 2}\" text-anchor=\"middle\">no samples yet</text>");
        else
        {
            h.Add($"<text class=\"tick\" x=\"{Left}\" y=\"{H - 6}\">{Time(samples[0].At)}</text><text class=\"tick\" x=\"{W - Right}\" y=\"{H - 6}\" text-anchor=\"end\">{Time(samples[^1].At)}</text>");
            foreach (var (cls, name, value) in series)
            {
                var points = string.Join(" ", samples.Select((m, i) => string.Create(CultureInfo.InvariantCulture, $"{X(i):0.#},{Y(value(m)):0.#}")));
                h.Add($"<polyline class=\"series {cls}\" points=\"{points}\"><title>{name}</title></polyline>");
                var last = samples[^1];
                h.Add($"<circle class=\"series-dot {cls}\" cx=\"{X(samples.Count - 1):0.#}\" cy=\"{Y(value(last)):0.#}\" r=\"2.5\"/>");
            }
        }
        h.Add($"</svg><div class=\"legend\">");
        foreach (var (cls, name, value) in series)
            h.Add($"<span class=\"key {cls}\">{name}: {format(samples.Count == 0 ? 0 : value(samples[^1]))}</span> ");
        return h.Add($"</div></figure>");
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Count(double v) => v.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Bytes(double v) => v switch
    {
        >= 1 << 30 => (v / (1 << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
        >= 1 << 20 => (v / (1 << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        >= 1 << 10 => (v / (1 << 10)).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        _ => v.ToString("0", CultureInfo.InvariantCulture) + " B",
    };

    private static string Bytes(long v) => Bytes((double)v);
}
