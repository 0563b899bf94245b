using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dativo.Core.Errors;
using Dativo.Orchestration.Datasets;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Tasks;

namespace Dativo.Orchestration.Runs;

/// <summary>
/// Runs a pipeline as a durable run keyed by (correlation id, pipeline). Re-running a correlation id resumes:
/// succeeded tasks and items are skipped, the others run again with a new run counter. Foreach lists are
/// resolved (or taken from the stored run) before anything runs.
/// </summary>
public sealed partial class RunEngine(RunOptions options)
{
    public RunOptions Options => options;

    public async Task<RunRecord> RunAsync(LoadedPipeline pipeline, RunRequest request, CancellationToken ct)
    {
        var time = options.Time;
        var correlation = request.CorrelationId ?? NewCorrelationId(time);
        CheckCorrelationId(correlation);
        var runId = RunKeys.Of(pipeline.Name, correlation);
        var run = await options.Store.GetRunAsync(runId, ct);
        if (run is not null && RunOwnership.IsLive(run, time, options.Heartbeat))
            throw new DativoException($"run {runId} is still {run.Status.ToLowerInvariant()} (pid {run.Owner!.Pid} on {run.Owner.Host}); " +
                "wait for it or stop it with 'dativo runs cancel " + runId + "' — a second copy is never started");
        if (run is not null && request.ExportDate is not null && run.ExportDate is not null && run.ExportDate != request.ExportDate)
            throw new DativoException($"run {runId} was for export date {run.ExportDate}, not {request.ExportDate}; use another correlation id, or 'dativo runs clear {runId}'");

        // Dataset lists first: a bad source fails before anything runs or is recorded.
        var resolver = new DatasetResolver(options.Env, options.Aws);
        var lists = new Dictionary<string, (List<string>, string)>(StringComparer.Ordinal);
        foreach (var t in pipeline.Tasks.Where(t => t.Foreach is not null))
        {
            if (run?.Tasks.GetValueOrDefault(t.Name)?.Datasets is { } known) lists[t.Name] = (known, run.Tasks[t.Name].DatasetSource ?? "stored run");
            else lists[t.Name] = await resolver.ResolveAsync(pipeline, t, ct);
        }

        var now = time.GetUtcNow();
        if (run is null)
        {
            run = new RunRecord
            {
                RunId = runId, Pipeline = pipeline.Name, CorrelationId = correlation, CreatedAt = now, RunCounter = 0,
                ExportDate = request.ExportDate ?? now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), // like CYI: today when not given
                StartDate = request.StartDate, ParentId = request.ParentId,
            };
        }
        else if (run.Status is RunStatus.Failed or RunStatus.TimedOut or RunStatus.Cancelled or RunStatus.Running)
        {
            run.ResumedFrom = run.CurrentStep;
        }
        run.PipelineFile = pipeline.File;
        run.Params = new Dictionary<string, string>(pipeline.Params, StringComparer.Ordinal);
        run.DataParams = pipeline.DataParams.Count == 0 ? null : [.. pipeline.DataParams.Order(StringComparer.Ordinal)];
        run.ExportDate ??= request.ExportDate;
        run.RunCounter++;
        run.Status = RunStatus.Queued;
        run.CancelRequested = false;
        run.Error = null;
        run.EndedAt = null;
        run.Owner = RunOwnership.Me(time, run.Owner, options.Lease);
        foreach (var t in pipeline.Tasks)
        {
            var tr = run.Tasks.GetValueOrDefault(t.Name) ?? new TaskRecord();
            if (lists.TryGetValue(t.Name, out var l)) (tr.Datasets, tr.DatasetSource) = l;
            run.Tasks[t.Name] = tr;
        }
        if (!await options.Store.TryPutRunAsync(run, pipeline.RunTtl, ct))
            throw new DativoException($"run {runId} was started by another process at the same moment; a second copy is never started");

        await using var session = new RunSession(this, pipeline, run, ct);
        return await session.ExecuteAsync();
    }

    internal static string NewCorrelationId(TimeProvider time) =>
        time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public static void CheckCorrelationId(string id)
    {
        if (id.Length == 0 || id.Length > 200 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '@'))
            throw new DativoException($"correlation id '{id}' may only use letters, digits and _ - . : @ (at most 200 characters)");
    }

    /// <summary>Stable per (run, task, item, run counter, attempt).</summary>
    internal static string IdempotencyKey(string runId, string task, int item, int counter, int attempt)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{runId}\n{task}\n{item}\n{counter}\n{attempt}"));
        return "dtv-" + Convert.ToHexStringLower(bytes, 0, 16);
    }
}
