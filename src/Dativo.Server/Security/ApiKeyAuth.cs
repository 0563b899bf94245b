using Dativo.Application.Security;
using Dativo.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Dativo.Server.Security;

/// <summary>Endpoint metadata: the scope a caller needs. Endpoints without it need <see cref="ApiScope.Read"/>, unless marked <see cref="OpenAccess"/>.</summary>
public sealed record ScopeRequirement(ApiScope Scope);

/// <summary>Endpoint metadata: no key needed (health, the login page, static assets: nothing of the data).</summary>
public sealed record OpenAccess;

/// <summary>
/// API keys on every endpoint: from <c>Authorization: Bearer</c>, <c>X-Api-Key</c> or the dashboard's cookie. A wrong key is
/// always refused (401); a missing one only when keys are required (any non-loopback address, or <c>auth.required</c>) —
/// otherwise the local caller may do what an operate key may. A key below the endpoint's scope gets 403. Requests that change
/// something without a key header (cookie or no key) must have a JSON body or carry <c>X-Dativo-Action</c>, which a cross-site form cannot send.
/// </summary>
public static class ApiKeyAuth
{
    public const string Cookie = "dativo_key";
    public const string ActionHeader = "X-Dativo-Action";
    private const string ScopeItem = "dativo.scope";

    /// <summary>The scope of the current caller (after the middleware ran).</summary>
    public static ApiScope CallerScope(HttpContext ctx) => ctx.Items[ScopeItem] is ApiScope s ? s : ApiScope.Read;

    public static bool CanOperate(HttpContext ctx) => ApiKeys.Allows(CallerScope(ctx), ApiScope.Operate);

    public static TBuilder RequireScope<TBuilder>(this TBuilder b, ApiScope scope) where TBuilder : IEndpointConventionBuilder =>
        b.WithMetadata(new ScopeRequirement(scope));

    public static TBuilder Open<TBuilder>(this TBuilder b) where TBuilder : IEndpointConventionBuilder => b.WithMetadata(new OpenAccess());

    public static void UseApiKeys(this WebApplication app)
    {
        var server = app.Services.GetService(typeof(ServerContext)) as ServerContext ?? throw new InvalidOperationException("no ServerContext");
        app.Use(async (ctx, next) =>
        {
            var endpoint = ctx.GetEndpoint();
            if (endpoint is null || endpoint.Metadata.GetMetadata<OpenAccess>() is not null)
            {
                await next(ctx).ConfigureAwait(false);
                return;
            }
            var need = endpoint.Metadata.GetMetadata<ScopeRequirement>()?.Scope ?? ApiScope.Read;
            var (presented, fromHeader) = Presented(ctx.Request);
            ApiScope have;
            if (presented is not null)
            {
                var key = await server.Keys.VerifyAsync(presented, ctx.RequestAborted).ConfigureAwait(false);
                if (key is null)
                {
                    await RefuseAsync(ctx, 401, "the API key is not valid (unknown, revoked or mistyped); create one with 'dativo keys create --scope read|operate|ingest'").ConfigureAwait(false);
                    return;
                }
                have = key.Scope;
            }
            else if (server.Config.KeysRequired)
            {
                await RefuseAsync(ctx, 401, "an API key is required: send 'Authorization: Bearer <key>' (create one with 'dativo keys create --scope read|operate|ingest')").ConfigureAwait(false);
                return;
            }
            else have = ApiScope.Operate;
            var local = presented is null && need == ApiScope.Ingest; // a local caller without a key may ingest as well
            if (!local && !ApiKeys.Allows(have, need))
            {
                await RefuseAsync(ctx, 403, $"this needs a key with scope {Name(need)}; the key given has scope {Name(have)}").ConfigureAwait(false);
                return;
            }
            if (!fromHeader && !HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method) 
                && !ctx.Request.Headers.ContainsKey(ActionHeader) && !IsJson(ctx.Request.ContentType))
            {
                await RefuseAsync(ctx, 403, $"a change needs a JSON body, the {ActionHeader} header or an API key header: cross-site requests are refused").ConfigureAwait(false);
                return;
            }
            ctx.Items[ScopeItem] = have;
            await next(ctx).ConfigureAwait(false);
        });
    }

    /// <summary>A JSON body: a cross-site form or a no-CORS fetch cannot send one without a preflight this server never answers.</summary>
    private static bool IsJson(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static string Name(ApiScope s) => s.ToString().ToLowerInvariant();

    private static (string? Key, bool FromHeader) Presented(HttpRequest r)
    {
        var auth = r.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return (auth[7..].Trim(), true);
        if (r.Headers.TryGetValue("X-Api-Key", out var k) && k.Count > 0) return (k.ToString(), true);
        return r.Cookies.TryGetValue(Cookie, out var c) && c.Length > 0 ? (c, false) : (null, false);
    }

    private static async Task RefuseAsync(HttpContext ctx, int status, string message)
    {
        var wantsPage = !ctx.Request.Path.StartsWithSegments("/api") && HttpMethods.IsGet(ctx.Request.Method)
            && ctx.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal);
        if (status == 401 && wantsPage)
        {
            ctx.Response.Redirect("/login?next=" + Uri.EscapeDataString(ctx.Request.Path + ctx.Request.QueryString));
            return;
        }
        ctx.Response.StatusCode = status;
        if (status == 401) ctx.Response.Headers.WWWAuthenticate = "Bearer";
        await ctx.Response.WriteAsJsonAsync(new ErrorBody(message)).ConfigureAwait(false);
    }
}

/// <summary>Every error the API answers: <c>{"error": "..."}</c>, with config issues (file:line) when there are some.</summary>
public sealed record ErrorBody(string Error, IReadOnlyList<string>? Issues = null);
