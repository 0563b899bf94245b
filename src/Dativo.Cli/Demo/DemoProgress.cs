using System.Globalization;
using Dativo.Orchestration.Runs;

namespace Dativo.Cli.Demo;

/// <summary>
/// Progress of the demo's backfill from the orchestrator's events: a redrawn bar on a terminal, else one quiet
/// line per finished day (and every failure).
/// </summary>
internal sealed class DemoProgress(TextWriter err, int days, int tasksPerDay, bool interactive, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly long _started = time.GetTimestamp();
    private int _tasksDone;
    private int _daysDone;

    private int Total => days * tasksPerDay;

    public void OnEvent(RunEvent e)
    {
        lock (_gate)
        {
            var finished = e.Status is "SUCCEEDED" or "FAILED" or "TIMED_OUT" or "CANCELLED" or "SKIPPED";
            if (!finished) return;
            if (e.Task is not null && e.Dataset is null && e.Attempt == 0)
            {
                _tasksDone++;
                if (e.Status != "SUCCEEDED") Line($"{e.Status} {e.Task}{(e.Message is null ? "" : ": " + e.Message)}");
            }
            else if (e.Task is null && DayOf(e.RunId) is { } day)
            {
                _daysDone++;
                if (!interactive) Line($"day {_daysDone}/{days} {day} {e.Status.ToLowerInvariant()}");
            }
            if (interactive) Draw();
        }
    }

    public void Finish()
    {
        lock (_gate)
            if (interactive) err.Write("\r" + new string(' ', 78) + "\r");
    }

    private void Line(string text)
    {
        if (interactive) err.Write("\r" + new string(' ', 78) + "\r");
        err.WriteLine($"  {Elapsed()} {text}");
    }

    private void Draw()
    {
        const int width = 30;
        var done = Math.Min(_tasksDone, Total);
        var filled = Total == 0 ? width : done * width / Total;
        err.Write($"\r  [{new string('█', filled)}{new string('░', width - filled)}] {done,3}/{Total} tasks · day {Math.Min(_daysDone + 1, days)}/{days} · {Elapsed()} ");
        err.Flush();
    }

    /// <summary>The day of a backfill child run (<c>pipeline/correlation.yyyy-MM-dd</c>), else null (the parent).</summary>
    private static string? DayOf(string runId)
    {
        var dot = runId.LastIndexOf('.');
        return dot > 0 && DateOnly.TryParseExact(runId[(dot + 1)..], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? runId[(dot + 1)..] : null;
    }

    private string Elapsed() => time.GetElapsedTime(_started).TotalSeconds.ToString("0.0s", CultureInfo.InvariantCulture);
}
