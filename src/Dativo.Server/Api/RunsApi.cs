using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Application.Runs;
using Dativo.Application.Security;
using Dativo.Core.Text;
using Dativo.Orchestration.Runs;
using Dativo.Server.Hosting;
using Dativo.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dativo.Server.Api;

/// <summary>
/// <c>/api/runs</c>: a run is named by its short id, or by its run id with '/' escaped as <c>%2F</c>
/// (e.g. <c>/api/runs/daily%2F2026-01-01</c>).
/// </summary>
internal static class RunsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = RunListQuery.MaxLimit;
    public const string NextHeader = "X-Next-Before";

    public static void Map(IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/runs").WithTags("runs");
        g.MapGet("", async (string[]? status, string? pipeline, int? limit, string? since, string? until, string? before, HttpContext http, ServerContext s, CancellationToken ct) =>
        {
            var page = await RunQueries.ListAsync(s.Runs, Filter(status, pipeline, limit, since, until, before), ct).ConfigureAwait(false);
            var now = s.Time.GetUtcNow();
            if (page.Next is { } next)
            {
                var cursor = next.ToString();
                http.Response.Headers[NextHeader] = cursor;
                http.Response.Headers.Link = $"<{NextLink(http.Request, cursor)}>; rel=\"next\"";
            }
            return Json.Of(new JsonArray([.. page.Runs.Select(r => (JsonNode)RunQueries.Json(r, now))]));
        }).WithSummary($"Stored runs, newest first (from the run index); filters: status (repeatable), pipeline, since/until (ISO 8601, start time), "
            + $"limit (default {DefaultLimit}, at most {MaxLimit}); the next page: before=<the {NextHeader} header> (also a Link rel=next)");
        g.MapGet("/{id}", async (string id, ServerContext s, CancellationToken ct) =>
        {
            var run = await FindAsync(s, id, ct).ConfigureAwait(false);
            return Json.Of(Show(await RunDetail.LoadAsync(s.Runs, run, ct).ConfigureAwait(false), s.Time.GetUtcNow()));
        }).WithSummary("A run with its tasks and every item (dataset, status, attempts, duration, error)");
        g.MapGet("/{id}/logs", async (string id, string? task, string? item, int? attempt, long? offset, ServerContext s, CancellationToken ct) =>
        {
            var run = await FindAsync(s, id, ct).ConfigureAwait(false);
            var logs = new JsonArray();
            foreach (var src in await RunLogs.SelectAsync(s.Runs, run, new LogFilter(task, item, attempt), waiting: !RunStatus.IsTerminal(run.Status), ct).ConfigureAwait(false))
            {
                var read = await RunLogs.ReadAsync(src, Math.Max(0, offset ?? 0), RunStatus.IsTerminal(run.Status), ct).ConfigureAwait(false);
                logs.Add(new JsonObject
                {
                    ["task"] = src.Task, ["item"] = src.Item, ["attempt"] = src.Attempt.Number, ["outcome"] = src.Attempt.Outcome,
                    ["text"] = read?.Text, ["next_offset"] = read?.Next, ["missing"] = read is null ? RunLogs.Missing(src) : null,
                });
            }
            return Json.Of(new JsonObject { ["run_id"] = run.RunId, ["status"] = run.Status, ["logs"] = logs });
        }).WithSummary("Logs of a run's attempts (latest of every task and item unless task/item/attempt pick); offset continues a read");
        g.MapPost("/{id}/retry", async (string id, ServerContext s, RunSupervisor runs, CancellationToken ct) =>
        {
            var run = await FindAsync(s, id, ct).ConfigureAwait(false);
            var p = RunActions.PrepareRetry(s.App, run);
            var started = await runs.StartAsync(p, new RunRequest(run.CorrelationId, run.ExportDate), (engine, c) => RunActions.RetryAsync(engine, p, run, c)).ConfigureAwait(false);
            return Json.Of(Started(started), 202);
        }).RequireScope(ApiScope.Operate).WithSummary("Run a stored run again: succeeded tasks and items are skipped, the rest run");
        g.MapPost("/{id}/cancel", async (string id, ServerContext s, CancellationToken ct) =>
        {
            var run = await FindAsync(s, id, ct).ConfigureAwait(false);
            return Json.Of(new JsonObject { ["run_id"] = run.RunId, ["message"] = await RunActions.CancelAsync(s.Runs, run, s.Time, ct).ConfigureAwait(false) });
        }).RequireScope(ApiScope.Operate).WithSummary("Cancel a running run: its attempts are stopped");
        g.MapDelete("/{id}", async (string id, ServerContext s, CancellationToken ct) =>
        {
            var (runId, existed) = await RunActions.ClearAsync(s.Runs, Json.Id(id), s.Time, ct).ConfigureAwait(false);
            return existed ? Json.Of(new JsonObject { ["run_id"] = runId, ["cleared"] = true }) : throw new Application.Pipelines.NotFoundException($"no run {runId}");
        }).RequireScope(ApiScope.Operate).WithSummary("Clear (forget) a run so its correlation id starts from scratch");
    }

    /// <summary>The run a route segment names (run id, short id or prefix); a run that does not exist is a 404, an ambiguous prefix a 400.</summary>
    public static async Task<RunRecord> FindAsync(ServerContext s, string segment, CancellationToken ct)
    {
        try { return await RunLookup.FindAsync(s.Runs, Json.Id(segment), ct).ConfigureAwait(false); }
        catch (Core.Errors.DativoException e) when (e.Message.StartsWith("no run", StringComparison.Ordinal))
        {
            throw new Application.Pipelines.NotFoundException(e.Message);
        }
    }

    public static RunFilter Filter(string[]? status, string? pipeline, int? limit, string? since = null, string? until = null, string? before = null)
    {
        if (limit is < 1 or > MaxLimit) throw new Core.Errors.DativoException($"limit {limit}: give a number of runs from 1 to {MaxLimit}");
        return new((status ?? []).SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(x => RunQueries.ParseStatus(x, "status")).ToList(),
            string.IsNullOrEmpty(pipeline) ? null : pipeline, limit ?? DefaultLimit,
            RunQueries.ParseTime(since, "since"), RunQueries.ParseTime(until, "until"), string.IsNullOrEmpty(before) ? null : before);
    }

    /// <summary>The request's URL with <c>before</c> set to <paramref name="cursor"/> (the other filters kept).</summary>
    private static string NextLink(HttpRequest request, string cursor)
    {
        var query = request.Query.Where(q => q.Key != "before")
            .SelectMany(q => q.Value.Select(v => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(v ?? "")))
            .Append("before=" + Uri.EscapeDataString(cursor));
        return request.PathBase + request.Path + "?" + string.Join("&", query);
    }

    public static JsonObject Started(string runId) => new()
    {
        ["run_id"] = runId,
        ["short_id"] = RunLookup.ShortId(runId),
        ["url"] = "/api/runs/" + Uri.EscapeDataString(runId),
        ["page"] = "/runs/" + Uri.EscapeDataString(runId),
    };

    /// <summary>The description of <c>dativo runs show --json</c>, with every item of every task.</summary>
    public static JsonObject Show(RunDetail d, DateTimeOffset now)
    {
        var o = RunDescription.Build(d, now).Json;
        var tasks = o["tasks"]!.AsObject();
        foreach (var t in d.Tasks)
            tasks[t.Name]!["items"] = new JsonArray([.. t.Items.Select(i => (JsonNode)Item(i))]);
        return o;
    }

    public static JsonObject Item(ItemRecord i) => new()
    {
        ["index"] = i.Index,
        ["dataset"] = i.Dataset,
        ["status"] = i.Status,
        ["attempts"] = i.Attempts.Count,
        ["duration_s"] = Math.Round(i.DurationSeconds, 3),
        ["error"] = i.Error,
        ["attempt_list"] = new JsonArray([.. i.Attempts.Select(a => (JsonNode)new JsonObject
        {
            ["number"] = a.Number, ["outcome"] = a.Outcome, ["started_at"] = IsoTime.Precise(a.StartedAt), ["ended_at"] = IsoTime.Precise(a.EndedAt), ["error"] = a.Error,
        })]),
    };
}
