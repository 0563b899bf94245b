using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Alerts;

/// <summary>
/// POSTs <c>{"text": "...", "run": {...}}</c> (Slack-compatible) to each webhook of the pipeline whose
/// <c>on</c> list contains the run's outcome. A failing webhook is reported, never fails the run.
/// </summary>
public sealed class WebhookAlerts(HttpClient http, Action<string>? warn = null) : IAlertSender
{
    public static readonly string[] DefaultOn = ["failure", "timeout"];

    public async Task RunFinishedAsync(LoadedPipeline pipeline, RunRecord run, CancellationToken ct)
    {
        var outcome = run.Status switch
        {
            RunStatus.Succeeded => "success",
            RunStatus.TimedOut => "timeout",
            RunStatus.Cancelled => "cancelled",
            _ => "failure",
        };
        foreach (var alert in pipeline.Definition.Alerts)
        {
            if (!(alert.On ?? [.. DefaultOn]).Contains(outcome)) continue;
            var icon = outcome == "success" ? ":white_check_mark:" : ":rotating_light:";
            var body = new JsonObject
            {
                ["text"] = $"{icon} dativo run {run.RunId} #{run.RunCounter} {run.Status}" + (run.Error is null ? "" : $": {run.Error}"),
                ["run"] = new JsonObject
                {
                    ["run_id"] = run.RunId,
                    ["pipeline"] = run.Pipeline,
                    ["correlation_id"] = run.CorrelationId,
                    ["status"] = run.Status,
                    ["run_counter"] = run.RunCounter,
                    ["current_step"] = run.CurrentStep,
                    ["export_date"] = run.ExportDate,
                    ["error"] = run.Error,
                },
            };
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                using var response = await http.PostAsJsonAsync(alert.Webhook, body, timeout.Token);
                if (!response.IsSuccessStatusCode) warn?.Invoke($"alert webhook {alert.Webhook} answered {(int)response.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                warn?.Invoke($"alert webhook {alert.Webhook} failed: {e.Message}");
            }
        }
    }
}
