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
            RunStatus.Skipped => "skipped",
            _ => "failure",
        };
        foreach (var alert in pipeline.Definition.Alerts)
        {
            if (!(alert.On ?? [.. DefaultOn]).Contains(outcome)) continue;
            var icon = outcome == "success" ? ":white_check_mark:" : outcome == "skipped" ? ":warning:" : ":rotating_light:";
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
            await PostAsync(alert.Webhook, body, ct);
        }
    }

    /// <summary>
    /// POSTs one Slack-compatible message (<c>{"text": …, …}</c>) with a 10 s timeout; a failing webhook is reported
    /// through the warning callback, never thrown (pipeline alerts, and the delivery streams' alarms, use it).
    /// </summary>
    public async Task PostAsync(string webhook, JsonObject body, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await http.PostAsJsonAsync(webhook, body, timeout.Token);
            if (!response.IsSuccessStatusCode) warn?.Invoke($"alert webhook {webhook} answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            warn?.Invoke($"alert webhook {webhook} failed: {e.Message}");
        }
    }

    /// <summary>A task's warning during a run (a quarantined file, ...) to the webhooks whose <c>on</c> has <c>warning</c>.</summary>
    public async Task TaskWarningAsync(LoadedPipeline pipeline, RunRecord run, string task, string message, CancellationToken ct)
    {
        foreach (var alert in pipeline.Definition.Alerts.Where(a => a.On?.Contains("warning") == true))
            await PostAsync(alert.Webhook, new JsonObject
            {
                ["text"] = $":warning: dativo run {run.RunId} #{run.RunCounter} task {task}: {message}",
                ["run"] = new JsonObject
                {
                    ["run_id"] = run.RunId,
                    ["pipeline"] = run.Pipeline,
                    ["correlation_id"] = run.CorrelationId,
                    ["run_counter"] = run.RunCounter,
                    ["task"] = task,
                    ["export_date"] = run.ExportDate,
                    ["warning"] = message,
                },
            }, ct);
    }
}
