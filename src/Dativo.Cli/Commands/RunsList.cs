using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Application.Runs;
using Dativo.Core.Errors;
using Dativo.Orchestration.Runs;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo runs list</c>: newest first, one row per run under a header; a row never wraps an 80-column terminal
/// (the short id stands for the run id, the pipeline name is cut to the width left). <c>--json</c> has everything in full.
/// </summary>
internal static class RunsList
{
    private const int StatusWidth = 9, TimeWidth = 20, DurationWidth = 8; // "DURATION"; values take 7 at most

    public static Command Create(CliContext ctx)
    {
        var state = PipelineServices.StateOption();
        var json = CommonOptions.Json();
        var status = new Option<string[]>("--status") { Description = "only runs with this status (repeatable): " + string.Join(", ", RunQueries.Statuses.Select(s => s.ToLowerInvariant())) };
        var pipeline = new Option<string>("--pipeline") { Description = "only runs of this pipeline (job:<tenant>/<job> for 'dativo run' jobs)" };
        var limit = new Option<int?>("--limit") { Description = "at most this many runs, the newest" };
        var since = new Option<string>("--since") { Description = "only runs started at or after this time (ISO 8601 instant or date, UTC)" };
        var until = new Option<string>("--until") { Description = "only runs started before this time (ISO 8601 instant or date, UTC)" };
        var cmd = new Command("list", "List stored runs, newest first") { state, json, status, pipeline, limit, since, until };
        cmd.SetAction(async (pr, ct) =>
        {
            var filter = new RunFilter((pr.GetValue(status) ?? []).Select(x => RunQueries.ParseStatus(x)).ToList(), pr.GetValue(pipeline), pr.GetValue(limit),
                RunQueries.ParseTime(pr.GetValue(since), "--since"), RunQueries.ParseTime(pr.GetValue(until), "--until"));
            if (filter.Limit is < 1) throw new DativoException("--limit: give a number of runs of at least 1");
            var shown = (await RunQueries.ListAsync(PipelineServices.OpenStore(ctx, pr.GetValue(state)), filter, ct)).Runs;
            var now = ctx.Time.GetUtcNow();
            if (pr.GetValue(json))
            {
                await ctx.Out.WriteLineAsync(IssueJson.Pretty(new JsonArray([.. shown.Select(r => (JsonNode)Json(r, now))])));
                return 0;
            }
            if (shown.Count == 0)
            {
                await ctx.Out.WriteLineAsync("no runs");
                return 0;
            }
            await ctx.Out.WriteAsync(Text(shown, now, Width(ctx)));
            return 0;
        });
        return cmd;
    }

    /// <summary>The rows as text, each shorter than <paramref name="width"/> (a full-width row wraps on some terminals).</summary>
    public static string Text(IReadOnlyList<RunRow> runs, DateTimeOffset now, int width)
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

    public static JsonObject Json(RunRow r, DateTimeOffset now) => RunQueries.Json(r, now);

    private static TimeSpan? Duration(RunRow r, DateTimeOffset now) => RunQueries.Duration(r, now);

    private static string Cut(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";

    private static int Width(CliContext ctx)
    {
        if (!ReferenceEquals(ctx.Out, Console.Out) || Console.IsOutputRedirected) return 80;
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 80; }
        catch (IOException) { return 80; }
    }
}
