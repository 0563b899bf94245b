using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dativo.Server.Api;

/// <summary>Requests per route pattern, method and status, with their total duration: the server's own part of <c>/metrics</c>.</summary>
public sealed class HttpMetrics
{
    private readonly ConcurrentDictionary<(string Route, string Method, int Status), Counter> _counters = new();

    private sealed class Counter
    {
        public long Count;
        public long Ticks;
    }

    public void Use(WebApplication app) => app.Use(async (ctx, next) =>
    {
        var start = Stopwatch.GetTimestamp();
        try { await next(ctx).ConfigureAwait(false); }
        finally
        {
            // the route pattern, never the raw path: ids in paths would make one series per run
            var route = (ctx.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            var c = _counters.GetOrAdd((route, ctx.Request.Method, ctx.Response.StatusCode), _ => new Counter());
            Interlocked.Increment(ref c.Count);
            Interlocked.Add(ref c.Ticks, Stopwatch.GetElapsedTime(start).Ticks);
        }
    });

    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append("# HELP dativo_http_requests_total HTTP requests answered, by route pattern, method and status.\n# TYPE dativo_http_requests_total counter\n");
        var rows = _counters.OrderBy(kv => kv.Key.Route, StringComparer.Ordinal).ThenBy(kv => kv.Key.Method, StringComparer.Ordinal).ThenBy(kv => kv.Key.Status).ToList();
        foreach (var (k, c) in rows)
            sb.Append(CultureInfo.InvariantCulture, $"dativo_http_requests_total{{route=\"{E(k.Route)}\",method=\"{k.Method}\",status=\"{k.Status}\"}} {Interlocked.Read(ref c.Count)}\n");
        sb.Append("# HELP dativo_http_request_seconds_sum Time spent answering, by route pattern, method and status.\n# TYPE dativo_http_request_seconds_sum counter\n");
        foreach (var (k, c) in rows)
            sb.Append(CultureInfo.InvariantCulture, $"dativo_http_request_seconds_sum{{route=\"{E(k.Route)}\",method=\"{k.Method}\",status=\"{k.Status}\"}} {TimeSpan.FromTicks(Interlocked.Read(ref c.Ticks)).TotalSeconds:0.######}\n");
        return sb.ToString();
    }

    private static string E(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
