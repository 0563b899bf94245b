using Dativo.Application.Runs;
using Dativo.Application.Security;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Orchestration.Runs;
using Dativo.Server.Hosting;
using Dativo.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dativo.Server.Dashboard;

/// <summary>The dashboard's routes: server-rendered pages (a fragment of a page with <c>?fragment=</c>, for live updates) and its two assets.</summary>
internal static class DashboardPages
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", async (string? fragment, string? pipeline, string? before, HttpContext http, ServerContext s, CancellationToken ct) =>
        {
            pipeline = string.IsNullOrEmpty(pipeline) ? null : pipeline;
            before = string.IsNullOrEmpty(before) ? null : before;
            var recent = await RunQueries.ListAsync(s.Runs, new RunFilter(Pipeline: pipeline, Limit: RunsPages.GridRuns, Before: before), ct).ConfigureAwait(false);
            var grid = RunsPages.Grid(recent, s.Time.GetUtcNow(), pipeline, before);
            if (fragment == "grid") return Page(grid.ToString());
            var body = new Html().Add($"<h1>Runs</h1>").Add(RunsPages.Pipelines(s.Pipelines.List(), ApiKeyAuth.CanOperate(http))).Add($"<h2>Recent runs</h2>").Add(grid);
            return Page(Layout.Page("Runs", "Runs", body, ApiKeyAuth.CanOperate(http)));
        }).ExcludeFromDescription();
        app.MapGet("/runs/{id}", async (string id, string? fragment, HttpContext http, ServerContext s, CancellationToken ct) =>
        {
            var run = await Api.RunsApi.FindAsync(s, id, ct).ConfigureAwait(false);
            var body = RunsPages.Run(await RunDetail.LoadAsync(s.Runs, run, ct).ConfigureAwait(false), s.Time.GetUtcNow(), ApiKeyAuth.CanOperate(http));
            if (fragment == "run") return Page(body.ToString());
            return Page(Layout.Page(run.RunId, "Runs", new Html().Add(body).Add(RunsPages.LogViewer()), ApiKeyAuth.CanOperate(http)));
        }).ExcludeFromDescription();
        app.MapGet("/tables", async (HttpContext http, ServerContext s, CancellationToken ct) =>
            Page(Layout.Page("Tables", "Tables", TablesPages.List(await s.ListTablesAsync(ct).ConfigureAwait(false)), ApiKeyAuth.CanOperate(http))))
            .ExcludeFromDescription();
        app.MapGet("/tables/{name}", async (string name, HttpContext http, ServerContext s, CancellationToken ct) =>
        {
            var t = await s.Tables.OpenAsync(Uri.UnescapeDataString(name), ct).ConfigureAwait(false);
            var d = await t.DescribeAsync(ct).ConfigureAwait(false);
            var producers = new List<LoadedJob>();
            foreach (var e in s.Jobs.List())
            {
                try
                {
                    var job = s.Jobs.Load(e.Id);
                    if ($"{job.TargetNamespace}.{job.TargetTable}" == d.Name || job.TargetTable == d.Name) producers.Add(job);
                }
                catch (DativoException) { } // a job that does not load produces nothing here; 'dativo check' says why
            }
            return Page(Layout.Page(d.Name, "Tables", TablesPages.Table(d, producers, s.App.Env), ApiKeyAuth.CanOperate(http)));
        }).ExcludeFromDescription();
        app.MapGet("/streams", (string? fragment, HttpContext http, ServerContext s) =>
        {
            var block = StreamsPages.Streams(s.Streams);
            if (fragment == "streams") return Page(block.ToString());
            return Page(Layout.Page("Streams", "Streams", new Html().Add($"<h1>Streams</h1>").Add(block), ApiKeyAuth.CanOperate(http)));
        }).ExcludeFromDescription();
        app.MapGet("/login", (string? next, string? error) =>
        {
            var body = new Html().Add($"<h1>Sign in</h1><form method=\"post\" action=\"/login\" class=\"login\"><input type=\"hidden\" name=\"next\" value=\"{next ?? "/"}\">");
            if (error is not null) body.Add($"<p class=\"error\">That key is not valid.</p>");
            body.Add($"<label>API key <input type=\"password\" name=\"key\" autocomplete=\"off\" required></label><button type=\"submit\">Sign in</button></form>");
            return Page(Layout.Page("Sign in", "", body, false));
        }).Open().ExcludeFromDescription();
        app.MapPost("/login", async (HttpContext http, ServerContext s) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            var next = form["next"].ToString();
            if (!next.StartsWith('/') || next.StartsWith("//", StringComparison.Ordinal) || next.StartsWith("/\\", StringComparison.Ordinal)) next = "/";
            var key = form["key"].ToString();
            if (await s.Keys.VerifyAsync(key, http.RequestAborted).ConfigureAwait(false) is null)
                return Results.Redirect("/login?error=1&next=" + Uri.EscapeDataString(next));
            http.Response.Cookies.Append(ApiKeyAuth.Cookie, key, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/" });
            return Results.Redirect(next);
        }).Open().DisableAntiforgery().ExcludeFromDescription();
        app.MapGet("/assets/{file}", (string file) => Assets.Get(file)).Open().ExcludeFromDescription();
    }

    private static IResult Page(string html) => Results.Content(html, "text/html; charset=utf-8");
}

/// <summary>The dashboard's script and stylesheet, embedded in the assembly (no CDN, no build step).</summary>
internal static class Assets
{
    private static readonly Dictionary<string, (byte[] Bytes, string Type)> Files = Load();

    public static IResult Get(string file) =>
        Files.TryGetValue(file, out var f) ? Results.Bytes(f.Bytes, f.Type) : Results.NotFound();

    private static Dictionary<string, (byte[], string)> Load()
    {
        var asm = typeof(Assets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith("Dativo.Server.Assets.", StringComparison.Ordinal)))
        {
            using var s = asm.GetManifestResourceStream(name)!;
            using var m = new MemoryStream();
            s.CopyTo(m);
            var file = name["Dativo.Server.Assets.".Length..];
            files[file] = (m.ToArray(), file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
        }
        return files;
    }
}
