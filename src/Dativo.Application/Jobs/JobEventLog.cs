using System.Text.Json;
using Dativo.Core.Text;
using Dativo.Ingestion.Secrets;

namespace Dativo.Application.Jobs;

/// <summary>A job's JSON-lines events (on stderr, in the run history's log); every string passes through secret redaction.</summary>
internal sealed class JobEventLog(IReadOnlyList<TextWriter> sinks, TimeProvider time, SecretResolver secrets)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Write(string evt, string job, Dictionary<string, object?> fields)
    {
        var o = new Dictionary<string, object?> { ["ts"] = IsoTime.Precise(time.GetUtcNow()), ["level"] = evt == "job_failed" ? "error" : "info", ["event"] = evt, ["job"] = job };
        foreach (var (k, v) in fields) if (v is not null) o[k] = v switch
        {
            string s => secrets.Redact(s),
            IEnumerable<string> list => list.Select(secrets.Redact).ToList(),
            _ => v,
        };
        var line = JsonSerializer.Serialize(o, JsonOptions);
        foreach (var sink in sinks)
            lock (sink) sink.WriteLine(line);
    }
}
