using System.Security.Cryptography.X509Certificates;
using Dativo.Core.Config;
using Dativo.Core.Errors;
using Dativo.Server.Api;
using Dativo.Server.Config;
using Dativo.Server.Dashboard;
using Dativo.Server.Hosting;
using Dativo.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using AppContext = Dativo.Application.AppContext;

namespace Dativo.Server;

/// <summary>
/// <c>dativo serve</c>: the REST API (OpenAPI at <c>/openapi.json</c>), the dashboard, health and metrics, and the scheduler,
/// over the application layer. The host owns its lifetime: it stops when the token given to <see cref="RunAsync"/> is cancelled.
/// </summary>
public static class DativoServer
{
    public static WebApplication Build(ServerConfig config, AppContext app, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = config.BaseDir, EnvironmentName = "Production" });
        builder.WebHost.UseUrls([.. config.UrlList]);
        if (config.TlsCertificate is { } certFile)
        {
            var cert = LoadCertificate(config.Resolve(certFile), config.TlsPasswordEnv is { } pe ? app.Env(pe) : null);
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = cert));
        }
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Services.AddSingleton<IHostLifetime, TokenLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = config.ShutdownGrace + TimeSpan.FromSeconds(30));
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss'Z' "; o.UseUtcTimestamp = true; });
            builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning);
        }
        else logging(builder.Logging);
        builder.Services.AddSingleton(_ => new ServerContext(config, app));
        builder.Services.AddSingleton<HttpMetrics>();
        builder.Services.AddSingleton<RunSupervisor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RunSupervisor>());
        builder.Services.AddSingleton<SchedulerService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SchedulerService>());
        builder.Services.AddHostedService<StreamsLifetime>();
        builder.Services.AddSingleton<WorkerService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerService>());
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Dativo";
            doc.Info.Description = "Pipelines, runs, tables, jobs and streams of a Dativo working directory. Send an API key as 'Authorization: Bearer <key>'.";
            return Task.CompletedTask;
        }));

        var web = builder.Build();
        web.Use(ErrorsAsync);
        web.Use(async (ctx, next) =>
        {
            ctx.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
            ctx.Response.Headers.XContentTypeOptions = "nosniff";
            await next(ctx).ConfigureAwait(false);
        });
        web.UseRouting();
        web.Services.GetRequiredService<HttpMetrics>().Use(web);
        web.UseApiKeys();
        HealthApi.Map(web);
        PipelinesApi.Map(web);
        RunsApi.Map(web);
        TablesApi.Map(web);
        JobsApi.Map(web);
        StreamsApi.Map(web, web.Services.GetRequiredService<ServerContext>().Streams);
        DashboardPages.Map(web);
        web.MapOpenApi("/openapi.json");
        return web;
    }

    /// <summary>Starts the server, reports its addresses, and runs until <paramref name="ct"/> is cancelled; then stops gracefully.</summary>
    public static async Task RunAsync(WebApplication web, Action<IReadOnlyCollection<string>> started, CancellationToken ct)
    {
        await web.StartAsync(CancellationToken.None).ConfigureAwait(false);
        started(Addresses(web));
        try { await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        await web.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await web.DisposeAsync().ConfigureAwait(false);
    }

    public static IReadOnlyCollection<string> Addresses(WebApplication web) =>
        web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    private static X509Certificate2 LoadCertificate(string file, string? password)
    {
        if (!File.Exists(file)) throw new DativoException($"tls.certificate {file}: file not found; give a PKCS#12 (.pfx) file");
        try { return X509CertificateLoader.LoadPkcs12FromFile(file, password); }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new DativoException($"tls.certificate {file}: cannot be read as PKCS#12 ({e.Message}); check the file and tls.password_env");
        }
    }

    /// <summary>User errors become <c>{"error": ...}</c> (404 for what does not exist, 503 while stopping, 400 otherwise); never a stack trace.</summary>
    private static async Task ErrorsAsync(HttpContext ctx, RequestDelegate next)
    {
        try
        {
            await next(ctx).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DativoException or BadHttpRequestException && !ctx.Response.HasStarted)
        {
            var status = e switch
            {
                Application.Pipelines.NotFoundException => 404,
                ServiceUnavailableException => 503,
                BadHttpRequestException b => b.StatusCode,
                _ => 400,
            };
            var issues = e is ConfigException ce ? ce.Issues.Select(i => i.ToString()).ToList() : null;
            ctx.Response.Clear();
            ctx.Response.StatusCode = status;
            if (!ctx.Request.Path.StartsWithSegments("/api") && ctx.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal))
            {
                var body = new Html().Add($"<h1>{(status == 404 ? "Not found" : "Error")}</h1><p class=\"error\">{e.Message}</p>");
                await ctx.Response.WriteAsync(Layout.Page("Error", "", body, false), ctx.RequestAborted).ConfigureAwait(false);
                return;
            }
            await ctx.Response.WriteAsJsonAsync(new ErrorBody(e.Message, issues), ctx.RequestAborted).ConfigureAwait(false);
        }
    }
}
