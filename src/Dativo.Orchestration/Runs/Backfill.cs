using System.Globalization;
using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// <c>--start-date A --export-date B</c>: one child run per day (correlation <c>&lt;id&gt;.&lt;yyyy-MM-dd&gt;</c>),
/// N days at once, under a parent run of kind "backfill". Re-running the same backfill resumes each child
/// (succeeded days are skipped). This is the historical load that seed 003 documented but could not reach.
/// </summary>
public static class Backfill
{
    public const int MaxDays = 3660;

    public static IReadOnlyList<DateOnly> Days(string start, string end)
    {
        var a = ParseDate(start, "--start-date");
        var b = ParseDate(end, "--export-date");
        if (b < a) throw new DativoException($"--start-date {start} is after --export-date {end}");
        var n = b.DayNumber - a.DayNumber + 1;
        if (n > MaxDays) throw new DativoException($"a backfill of {n} days is too long (at most {MaxDays})");
        return [.. Enumerable.Range(0, n).Select(a.AddDays)];
    }

    public static DateOnly ParseDate(string text, string what) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d : throw new DativoException($"{what} '{text}' is not a date; write yyyy-MM-dd");

    public static async Task<RunRecord> RunAsync(RunEngine engine, LoadedPipeline pipeline, string startDate, string exportDate,
        string? correlationId, int parallelDays, CancellationToken ct)
    {
        var days = Days(startDate, exportDate);
        var o = engine.Options;
        var correlation = correlationId ?? $"backfill-{startDate}-{exportDate}";
        RunEngine.CheckCorrelationId(correlation);
        var runId = Tasks.RunKeys.Of(pipeline.Name, correlation);
        var parent = await o.Store.GetRunAsync(runId, ct) ?? new RunRecord
        {
            RunId = runId, Pipeline = pipeline.Name, CorrelationId = correlation, CreatedAt = o.Time.GetUtcNow(), Kind = "backfill",
            StartDate = startDate, ExportDate = exportDate,
        };
        if (parent.Kind != "backfill") throw new DativoException($"run {runId} exists and is not a backfill; pick another --correlation-id");
        parent.PipelineFile = pipeline.File;
        parent.Params = new Dictionary<string, string>(pipeline.Params, StringComparer.Ordinal);
        parent.RunCounter++;
        parent.Status = RunStatus.Running;
        parent.StartedAt = o.Time.GetUtcNow();
        parent.EndedAt = null;
        parent.Owner = RunOwnership.Me(o.Time);
        parent.Children = [.. days.Select(d => Tasks.RunKeys.Of(pipeline.Name, Child(correlation, d)))];
        await PutAsync(o, pipeline, parent, ct);

        var results = new RunRecord?[days.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, days.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelDays), CancellationToken = CancellationToken.None },
            async (i, _) =>
            {
                if (ct.IsCancellationRequested) return;
                var date = days[i].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                try
                {
                    results[i] = await engine.RunAsync(pipeline, new RunRequest(Child(correlation, days[i]), date, date, runId), ct);
                }
                catch (DativoException e)
                {
                    results[i] = new RunRecord { RunId = Tasks.RunKeys.Of(pipeline.Name, Child(correlation, days[i])), Status = RunStatus.Failed, Error = e.Message, ExportDate = date };
                }
            });

        var fresh = await o.Store.GetRunAsync(runId, CancellationToken.None) ?? parent;
        fresh.Status = ct.IsCancellationRequested ? RunStatus.Cancelled
            : results.All(r => r?.Status is RunStatus.Succeeded or RunStatus.Skipped) ? RunStatus.Succeeded : RunStatus.Failed;
        // a day skipped by its own pipeline (nothing to load, alerted) is done, not failed
        var failed = results.Where(r => r is not null && r.Status is not (RunStatus.Succeeded or RunStatus.Skipped)).ToList();
        fresh.Error = failed.Count == 0 ? null : $"{failed.Count} of {days.Count} day(s) did not succeed: {string.Join(", ", failed.Take(5).Select(r => r!.ExportDate))}";
        fresh.CurrentStep = failed.FirstOrDefault()?.ExportDate;
        fresh.EndedAt = o.Time.GetUtcNow();
        await PutAsync(o, pipeline, fresh, CancellationToken.None);
        return fresh;
    }

    private static string Child(string correlation, DateOnly day) => $"{correlation}.{day:yyyy-MM-dd}";

    private static async Task PutAsync(RunOptions o, LoadedPipeline pipeline, RunRecord run, CancellationToken ct)
    {
        for (var i = 0; i < 10; i++)
        {
            if (await o.Store.TryPutRunAsync(run, pipeline.RunTtl, ct)) return;
            var stored = await o.Store.GetRunAsync(run.RunId, ct);
            run.Version = stored?.Version ?? 0;
        }
        throw new DativoException($"run {run.RunId}: could not update the backfill record");
    }
}
