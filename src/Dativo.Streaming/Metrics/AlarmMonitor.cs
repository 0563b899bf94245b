using System.Text.Json.Nodes;
using Dativo.Orchestration.Alerts;
using Dativo.Streaming.Runtime;

namespace Dativo.Streaming.Metrics;

public enum AlarmState
{
    Ok,
    Alarm,
}

/// <summary>
/// The seed module's two alarms on incoming records, evaluated at the end of each period: high when the period's sum is
/// above high_threshold, low when it is below low_threshold — a period without any record counts as 0 and breaches the
/// low alarm (the seed's low alarm never fired on silence). Every change of state, to ALARM and back to OK, is posted
/// to each subscription (Slack-compatible <c>{"text": …, "alarm": {…}}</c>); a failing webhook is logged, never fatal (posted by the
/// orchestration's <see cref="WebhookAlerts"/>, as pipeline alerts are).
/// </summary>
public sealed class AlarmMonitor : IAsyncDisposable
{
    private readonly StreamMetrics _metrics;
    private readonly AlarmSettings _settings;
    private readonly TimeProvider _time;
    private readonly WebhookAlerts _webhooks;
    private readonly Action<string>? _log;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, AlarmState> _states = new(StringComparer.Ordinal);
    private readonly List<Task> _notifications = [];
    private long _lastCount;

    internal AlarmMonitor(StreamMetrics metrics, AlarmSettings settings, TimeProvider time, HttpClient http, Action<string>? log)
    {
        _metrics = metrics;
        _settings = settings;
        _time = time;
        _webhooks = new WebhookAlerts(http, log);
        _log = log;
        _lastCount = metrics.IncomingRecords;
        if (settings.HighThreshold is not null) _states["high"] = AlarmState.Ok;
        if (settings.LowThreshold is not null) _states["low"] = AlarmState.Ok;
        var period = TimeSpan.FromSeconds(Math.Max(1, settings.PeriodSeconds));
        _timer = time.CreateTimer(_ => Evaluate(), null, period, period);
    }

    public string Stream => _metrics.Stream;

    public IReadOnlyList<(string Kind, AlarmState State)> States
    {
        get { lock (_gate) return [.. _states.Select(kv => (kv.Key, kv.Value))]; }
    }

    /// <summary>Completes when the notifications sent so far have been answered (or failed).</summary>
    public Task NotificationsSentAsync()
    {
        lock (_gate) return Task.WhenAll(_notifications.ToArray());
    }

    internal void Evaluate()
    {
        var count = _metrics.IncomingRecords;
        long sum;
        var changes = new List<(string Kind, AlarmState State, long Threshold)>();
        lock (_gate)
        {
            sum = count - _lastCount;
            _lastCount = count;
            if (_settings.HighThreshold is { } high) Change("high", sum > high ? AlarmState.Alarm : AlarmState.Ok, high, changes);
            if (_settings.LowThreshold is { } low) Change("low", sum < low ? AlarmState.Alarm : AlarmState.Ok, low, changes);
            foreach (var (kind, state, threshold) in changes) _notifications.Add(NotifyAsync(kind, state, threshold, sum));
        }
    }

    private void Change(string kind, AlarmState next, long threshold, List<(string, AlarmState, long)> changes)
    {
        if (_states[kind] == next) return;
        _states[kind] = next;
        changes.Add((kind, next, threshold));
    }

    private async Task NotifyAsync(string kind, AlarmState state, long threshold, long sum)
    {
        var name = $"{_metrics.Stream}-{kind}-incoming-records";
        var text = state == AlarmState.Alarm
            ? $":rotating_light: {name} ALARM: {sum} records in {_settings.PeriodSeconds} s is {(kind == "high" ? "above" : "below")} {threshold}"
            : $":white_check_mark: {name} OK: {sum} records in {_settings.PeriodSeconds} s";
        _log?.Invoke(text);
        foreach (var url in _settings.Subscriptions)
        {
            await _webhooks.PostAsync(url, new JsonObject
            {
                ["text"] = text,
                ["alarm"] = new JsonObject
                {
                    ["name"] = name,
                    ["stream"] = _metrics.Stream,
                    ["metric"] = "IncomingRecords",
                    ["state"] = state == AlarmState.Alarm ? "ALARM" : "OK",
                    ["threshold"] = threshold,
                    ["value"] = sum,
                    ["period_s"] = _settings.PeriodSeconds,
                    ["at"] = _time.GetUtcNow().ToString("O"),
                },
            }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        await NotificationsSentAsync().ConfigureAwait(false);
    }
}
