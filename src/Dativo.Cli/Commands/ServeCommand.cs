using System.CommandLine;
using Dativo.Server;
using Dativo.Server.Config;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo serve</c>: the API, the dashboard and the scheduler until Ctrl-C/SIGTERM; running runs then get the shutdown
/// grace to finish, the rest are checkpointed (cancelled, resumable).
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext ctx)
    {
        var config = new Option<string>("--config", "-c") { Description = "configuration file (default ./dativo.yaml when it exists)" };
        var urls = new Option<string>("--urls") { Description = "addresses to listen on, ';'-separated (default http://127.0.0.1:8080; env DATIVO_URLS)" };
        var pipelines = new Option<string>("--pipelines") { Description = "pipelines folder (default ./pipelines; env DATIVO_PIPELINES)" };
        var jobs = new Option<string>("--jobs") { Description = "jobs folder (default ./jobs; env DATIVO_JOBS)" };
        var warehouse = new Option<string>("--warehouse") { Description = "warehouse folder or URI (default ./.local/lake; env DATIVO_WAREHOUSE)" };
        var catalog = new Option<string>("--catalog") { Description = "catalog database URI (default <warehouse>/catalog.db; env DATIVO_CATALOG)" };
        var state = new Option<string>("--state") { Description = "run history and API keys (default .dativo/state.db; env DATIVO_STATE)" };
        var streams = new Option<string>("--streams") { Description = "delivery streams file (env DATIVO_STREAMS)" };
        var tls = new Option<string>("--tls-cert") { Description = "PKCS#12 certificate for https:// addresses (env DATIVO_TLS_CERTIFICATE)" };
        var auth = new Option<bool?>("--auth-required") { Description = "require an API key on loopback too (always required on other addresses)" };
        var noSchedule = new Option<bool>("--no-schedule") { Description = "do not run the pipelines' schedules and triggers" };
        var workers = new Option<int?>("--workers")
        {
            Description = "also run N worker loops (default 1 when given without N; env DATIVO_WORKERS): API-triggered and scheduled runs are queued " +
                "and taken by any worker sharing the state store (other 'serve --workers' or 'dativo worker' processes), which also share fan-out items",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => null,
        };
        var cmd = new Command("serve", "Run the REST API, the web dashboard and the pipelines' schedules and triggers until stopped")
            { config, urls, pipelines, jobs, warehouse, catalog, state, streams, tls, auth, noSchedule, workers };
        cmd.SetAction(async (pr, ct) =>
        {
            var flags = new Dictionary<string, string?>
            {
                ["urls"] = pr.GetValue(urls), ["pipelines"] = pr.GetValue(pipelines), ["jobs"] = pr.GetValue(jobs), ["warehouse"] = pr.GetValue(warehouse),
                ["catalog"] = pr.GetValue(catalog), ["state"] = pr.GetValue(state), ["streams"] = pr.GetValue(streams), ["tls.certificate"] = pr.GetValue(tls),
                ["auth.required"] = pr.GetValue(auth) is { } a ? (a ? "true" : "false") : null, ["schedule"] = pr.GetValue(noSchedule) ? "false" : null,
                ["workers"] = pr.GetResult(workers) is null ? null : (pr.GetValue(workers) ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var cfg = ServerConfig.Load(pr.GetValue(config), Environment.CurrentDirectory, ctx.Env, flags);
            var app = ctx.App with { WorkDir = cfg.BaseDir };
            var web = DativoServer.Build(cfg, app);
            await DativoServer.RunAsync(web, addresses =>
            {
                foreach (var a in addresses) ctx.Err.WriteLine($"dativo serve: listening on {a}{(cfg.KeysRequired ? " (API keys required)" : " (loopback: API keys optional)")}");
                ctx.Err.Flush();
            }, ct);
            await ctx.Err.WriteLineAsync("dativo serve: stopped");
            return 0;
        });
        return cmd;
    }
}
