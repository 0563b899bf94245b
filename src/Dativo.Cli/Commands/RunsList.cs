using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Orchestration.Runs;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo runs list</c>: newest first, one row per run under a header; a row never wraps an 80-column terminal
/// (the short id stands for the run id, the pipeline name is cut to the width left). <c>--json</c> has everything in full.
/// </summary>
internal static class RunsList
{
    private static readonly string[] Statuses =
        [RunStatus.Queued, RunStatus.Running, RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled, RunStatus.TimedOut, RunStatus.Skipped, RunStatus.Pending];

    private const int StatusWidth = 9, TimeWidth = 20, DurationWidth = 8; // "DURATION"; values take 7 at most

    public static Command Create(CliContext ctx)
    {
        var state = PipelineServices.StateOption();
        var json = CommonOptions.Json();
        var status = new Option<string[]>("--status") { Description = "only runs with this status (repeatable): " + string.Join(", ", Statuses.Select(s => s.ToLowerInvariant())) };
        var pipeline = new Option<string>("--pipeline") { Description = "only runs of this pipeline (job:<tenant>/<job> for 'dativo run' jobs)" };
        var limit = new Option<int?>("--limit") { Description = "at most this many runs, the newest" };
        var cmd = new Command("list", "List stored runs, newest first") { state, json, status, pipeline, limit };
        cmd.SetAction(async (pr, ct) =>
        {
            var wanted = (pr.GetValue(status) ?? []).Select(ParseStatus).ToHashSet(StringComparer.Ordinal);
            if (pr.GetValue(limit) is < 1) throw new DativoException("--limit: give a number of runs of at least 1");
            var name = pr.GetValue(pipeline);
            var runs = new List<RunRecord>();
            await foreach (var r in PipelineServices.OpenStore(ctx, pr.GetValue(state)).ListRunsAsync(ct))
                if ((wanted.Count == 0 || wanted.Contains(r.Status)) && (name is null || r.Pipeline == name)) runs.Add(r);
            IEnumerable<RunRecord> shown = runs.OrderByDescending(r => r.StartedAt ?? r.CreatedAt).ThenBy(r => r.RunId, StringComparer.Ordinal);
            if (pr.GetValue(limit) is { } n) shown = shown.Take(n);
            var now = ctx.Time.GetUtcNow();
            if (pr.GetValue(json))
            {
                await ctx.Out.WriteLineAsync(IssueJson.Pretty(new JsonArray([.. shown.Select(r => (JsonNode)Json(r, now))])));
                return 0;
            }
            if (runs.Count == 0)
            {
                await ctx.Out.WriteLineAsync("no runs");
                return 0;
            }
            await ctx.Out.WriteAsync(Text(shown.ToList(), now, Width(ctx)));
            return 0;
        });
        return cmd;
    }

    /// <summary>The rows as text, each shorter than <paramref name="width"/> (a full-width row wraps on some terminals).</summary>
    public static string Text(IReadOnlyList<RunRecord> runs, DateTimeOffset now, int width)
    {
        var pipelineWidth = Math.Max(8, width - 1 - (RunLookup.ShortIdLength + StatusWidth + 2 * TimeWidth + DurationWidth + 5));
        var sb = new StringBuilder();
        void Row(string id, string pipeline, string status, string started, string ended, string duration) =>
            sb.Append(id.PadRight(RunLookup.ShortIdLength)).Append(' ')
              .Append(Cut(pipeline, pipelineWidth).PadRight(pipelineWidth)).Append(' ')
              .Append(status.PadRight(StatusWidth)).Append(' ')
              .Append(started.PadRight(TimeWidth)).Append(' ')
              .Append(ended.PadRight(TimeWidth)).Append(' ')
              .Append(duration.PadLeft(DurationWidth).TrimEnd()).Append('\n');
        Row("ID", "PIPELINE", "STATUS", "STARTED", "ENDED", "DURATION");
        foreach (var r in runs)
            Row(RunLookup.ShortId(r.RunId), r.Pipeline, Cut(r.Status, StatusWidth), CliFormat.Instant(r.StartedAt), CliFormat.Instant(r.EndedAt),
                Duration(r, now) is { } d ? CliFormat.Duration(d) : "-");
        return sb.ToString();
    }

    public static JsonObject Json(RunRecord r, DateTimeOffset now) => new()
    {
        ["run_id"] = r.RunId,
        ["short_id"] = RunLookup.ShortId(r.RunId),
        ["pipeline"] = r.Pipeline,
        ["correlation_id"] = r.CorrelationId,
        ["kind"] = r.Kind ?? "run",
        ["run_counter"] = r.RunCounter,
        ["status"] = r.Status,
        ["current_step"] = r.CurrentStep,
        ["export_date"] = r.ExportDate,
        ["created_at"] = CliFormat.InstantPrecise(r.CreatedAt),
        ["started_at"] = CliFormat.InstantPrecise(r.StartedAt),
        ["ended_at"] = CliFormat.InstantPrecise(r.EndedAt),
        ["duration_s"] = Duration(r, now) is { } d ? Math.Round(d.TotalSeconds, 3) : null,
        ["error"] = r.Error,
    };

    /// <summary>Started to ended; a run still going counts to now. None for a run that never started.</summary>
    private static TimeSpan? Duration(RunRecord r, DateTimeOffset now) =>
        r.StartedAt is { } s ? (r.EndedAt is { } e && e >= s ? e : RunStatus.IsTerminal(r.Status) ? s : now) - s : null;

    private static string Cut(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";

    private static int Width(CliContext ctx)
    {
        if (!ReferenceEquals(ctx.Out, Console.Out) || Console.IsOutputRedirected) return 80;
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 80; }
        catch (IOException) { return 80; }
    }

    private static string ParseStatus(string s)
    {
        var up = s.Trim().ToUpperInvariant().Replace('-', '_');
        return Statuses.Contains(up) ? up
            : throw new DativoException($"--status {s}: unknown status; use one of {string.Join(", ", Statuses.Select(x => x.ToLowerInvariant()))}");
    }
}
