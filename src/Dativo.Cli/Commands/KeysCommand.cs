using System.CommandLine;
using System.Text.Json.Nodes;
using Dativo.Application.Security;
using Dativo.Core.Text;
using Dativo.Orchestration.Runs;

namespace Dativo.Cli.Commands;

/// <summary><c>dativo keys create|list|revoke</c>: API keys of <c>dativo serve</c>, kept hashed in the state store.</summary>
internal static class KeysCommand
{
    public static Command Create(CliContext ctx)
    {
        var state = PipelineServices.StateOption();
        var scope = new Option<string>("--scope") { Description = "read (list and show), operate (read + trigger, retry, cancel, clear) or ingest (stream ingestion only)", Required = true }
            .AcceptOnlyFromAmong("read", "operate", "ingest");
        var name = new Option<string>("--name") { Description = "a name to recognise the key by (default <scope>-<id>)" };
        var create = new Command("create", "Create an API key; it is printed once and only its hash is stored") { scope, name, state };
        create.SetAction(async (pr, ct) =>
        {
            await using var keys = Open(ctx, pr.GetValue(state));
            var (record, key) = await keys.Keys.CreateAsync(ApiKeys.ParseScope(pr.GetValue(scope)!), pr.GetValue(name), ct);
            await ctx.Out.WriteLineAsync(key);
            await ctx.Err.WriteLineAsync($"created key {record.Id} '{record.Name}' with scope {pr.GetValue(scope)}; it is shown only now: store it safely");
            return 0;
        });

        var listState = PipelineServices.StateOption();
        var json = CommonOptions.Json();
        var list = new Command("list", "List API keys (ids, names, scopes; never the keys)") { listState, json };
        list.SetAction(async (pr, ct) =>
        {
            await using var keys = Open(ctx, pr.GetValue(listState));
            var all = (await keys.Keys.ListAsync(ct)).OrderBy(k => k.CreatedAt).ToList();
            if (pr.GetValue(json))
            {
                await ctx.Out.WriteLineAsync(IssueJson.Pretty(new JsonArray([.. all.Select(k => (JsonNode)new JsonObject
                {
                    ["id"] = k.Id, ["name"] = k.Name, ["scope"] = k.Scope.ToString().ToLowerInvariant(),
                    ["created_at"] = IsoTime.Precise(k.CreatedAt), ["revoked_at"] = IsoTime.Precise(k.RevokedAt),
                })])));
                return 0;
            }
            if (all.Count == 0) await ctx.Out.WriteLineAsync("no API keys; create one with 'dativo keys create --scope read|operate|ingest'");
            foreach (var k in all)
                await ctx.Out.WriteLineAsync($"{k.Id}  {k.Scope.ToString().ToLowerInvariant(),-7}  {CliFormat.Instant(k.CreatedAt)}  {(k.Revoked ? "revoked" : "active "),-7}  {k.Name}");
            return 0;
        });

        var revokeState = PipelineServices.StateOption();
        var id = new Argument<string>("id") { Description = "key id or name (from 'dativo keys list')" };
        var revoke = new Command("revoke", "Revoke an API key: it is refused from now on") { id, revokeState };
        revoke.SetAction(async (pr, ct) =>
        {
            await using var keys = Open(ctx, pr.GetValue(revokeState));
            var r = await keys.Keys.RevokeAsync(pr.GetValue(id)!, ct)
                ?? throw new Core.Errors.DativoException($"no API key '{pr.GetValue(id)}'; see 'dativo keys list'");
            await ctx.Out.WriteLineAsync($"revoked key {r.Id} '{r.Name}'");
            return 0;
        });
        return new Command("keys", "API keys of 'dativo serve': create, list, revoke") { create, list, revoke };
    }

    private sealed class OpenKeys(StateStoreRunStore store, ApiKeys keys) : IAsyncDisposable
    {
        public ApiKeys Keys => keys;

        public async ValueTask DisposeAsync()
        {
            if (store.State is IAsyncDisposable d) await d.DisposeAsync();
        }
    }

    private static OpenKeys Open(CliContext ctx, string? state)
    {
        var store = (StateStoreRunStore)PipelineServices.OpenStore(ctx, state);
        return new OpenKeys(store, new ApiKeys(store.State, ctx.Time));
    }
}
