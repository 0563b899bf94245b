using System.Net;
using System.Text.Json.Nodes;
using Dativo.Streaming.Metrics;
using Dativo.Streaming.Runtime;
using Dativo.Testing.Services;
using Microsoft.Extensions.Time.Testing;

namespace Dativo.Streaming.Tests;

public sealed class AlarmTests
{
    [Fact]
    public async Task A_silent_period_breaches_the_low_alarm_and_every_change_is_posted_including_ok()
    {
        using var listener = new HttpListener();
        var port = ServiceProcesses.FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var received = new List<JsonNode>();
        var server = Task.Run(async () =>
        {
            while (true)
            {
                HttpListenerContext ctx;
                try { ctx = await listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                using (var reader = new StreamReader(ctx.Request.InputStream))
                {
                    var body = JsonNode.Parse(await reader.ReadToEndAsync())!;
                    lock (received) received.Add(body);
                }
                ctx.Response.StatusCode = 200;
                ctx.Response.Close();
            }
        });
        var time = new FakeTimeProvider(StreamTestKit.Start);
        var metrics = new StreamMetrics("clicks");
        using var http = new HttpClient();
        await using (var alarms = new AlarmMonitor(metrics, new AlarmSettings(10, 5, 60, [$"http://127.0.0.1:{port}/hook/"]), time, http, null))
        {
            time.Advance(TimeSpan.FromSeconds(60)); // no record at all: 0 < 5
            await alarms.NotificationsSentAsync();
            Assert.Contains("dativo_stream_alarm_state{stream=\"clicks\",alarm=\"low\"} 1", StreamPrometheus.Render([metrics], [alarms]), StringComparison.Ordinal);
            metrics.Incoming(7, 700);
            time.Advance(TimeSpan.FromSeconds(60)); // 7: inside the band
            await alarms.NotificationsSentAsync(); // posted in order
            metrics.Incoming(11, 1100);
            time.Advance(TimeSpan.FromSeconds(60)); // 11 > 10
            await alarms.NotificationsSentAsync();
            var text = StreamPrometheus.Render([metrics], [alarms]);
            Assert.Contains("dativo_stream_incoming_records_total{stream=\"clicks\"} 18", text, StringComparison.Ordinal);
            Assert.Contains("dativo_stream_alarm_state{stream=\"clicks\",alarm=\"high\"} 1", text, StringComparison.Ordinal);
            Assert.Contains("dativo_stream_alarm_state{stream=\"clicks\",alarm=\"low\"} 0", text, StringComparison.Ordinal);
        }
        listener.Stop();
        await server;
        Assert.Equal(["clicks-low-incoming-records ALARM 0", "clicks-low-incoming-records OK 7", "clicks-high-incoming-records ALARM 11"],
            received.Select(r => $"{r["alarm"]!["name"]} {r["alarm"]!["state"]} {r["alarm"]!["value"]}"));
        Assert.Contains("below 5", received[0]["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
