using System.Globalization;
using System.Text;

namespace Dativo.Streaming.Metrics;

/// <summary>Prometheus text exposition of the streams' Firehose metrics and alarm states.</summary>
internal static class StreamPrometheus
{
    public static string Render(IEnumerable<StreamMetrics> streams, IEnumerable<AlarmMonitor> alarms)
    {
        var list = streams.ToList();
        var sb = new StringBuilder();
        Counter(sb, list, "dativo_stream_incoming_records_total", "IncomingRecords: records accepted", m => m.IncomingRecords);
        Counter(sb, list, "dativo_stream_incoming_bytes_total", "IncomingBytes: bytes accepted", m => m.IncomingBytes);
        Counter(sb, list, "dativo_stream_delivery_to_s3_records_total", "DeliveryToS3.Records: records delivered (error records included)", m => m.DeliveryToS3Records);
        Counter(sb, list, "dativo_stream_delivery_to_s3_bytes_total", "DeliveryToS3.Bytes: bytes of delivered objects", m => m.DeliveryToS3Bytes);
        Counter(sb, list, "dativo_stream_error_records_total", "Records delivered under the error prefix", m => m.ErrorRecords);
        Counter(sb, list, "dativo_stream_throttled_records_total", "Records refused with ServiceUnavailableException (log over budget)", m => m.ThrottledRecords);
        Gauge(sb, list, "dativo_stream_delivery_to_s3_success", "DeliveryToS3.Success: successful object writes / attempts", m => m.DeliverySuccessRatio);
        Gauge(sb, list, "dativo_stream_data_freshness_seconds", "DataFreshness: age of the oldest record not yet delivered", m => m.DataFreshnessSeconds());
        sb.Append("# HELP dativo_stream_alarm_state 1 when the alarm is in ALARM, 0 when OK.\n# TYPE dativo_stream_alarm_state gauge\n");
        foreach (var a in alarms)
            foreach (var (kind, state) in a.States)
                sb.Append(CultureInfo.InvariantCulture, $"dativo_stream_alarm_state{{stream=\"{E(a.Stream)}\",alarm=\"{kind}\"}} {(state == AlarmState.Alarm ? 1 : 0)}\n");
        return sb.ToString();
    }

    private static void Counter(StringBuilder sb, List<StreamMetrics> list, string name, string help, Func<StreamMetrics, long> value)
    {
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}.\n# TYPE {name} counter\n");
        foreach (var m in list) sb.Append(CultureInfo.InvariantCulture, $"{name}{{stream=\"{E(m.Stream)}\"}} {value(m)}\n");
    }

    private static void Gauge(StringBuilder sb, List<StreamMetrics> list, string name, string help, Func<StreamMetrics, double> value)
    {
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}.\n# TYPE {name} gauge\n");
        foreach (var m in list) sb.Append(CultureInfo.InvariantCulture, $"{name}{{stream=\"{E(m.Stream)}\"}} {value(m):0.###}\n");
    }

    private static string E(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
