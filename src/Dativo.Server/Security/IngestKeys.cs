using Dativo.Application.Security;
using Dativo.Streaming.Hosting;
using Microsoft.AspNetCore.Http;

namespace Dativo.Server.Security;

/// <summary>The server's API keys on the Firehose API: an <c>ingest</c> key in <c>Authorization: Bearer</c> or <c>X-Api-Key</c>.</summary>
internal sealed class IngestKeys(ApiKeys keys) : IIngestAuthenticator
{
    public async ValueTask<IngestKeyCheck> CheckAsync(HttpRequest request, CancellationToken ct)
    {
        var auth = request.Headers.Authorization.ToString();
        var presented = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim()
            : request.Headers.TryGetValue("X-Api-Key", out var k) && k.Count > 0 ? k.ToString() : null;
        if (presented is null) return IngestKeyCheck.NoKey;
        var key = await keys.VerifyAsync(presented, ct).ConfigureAwait(false);
        if (key is null) return IngestKeyCheck.Unknown;
        return key.Scope == ApiScope.Ingest ? IngestKeyCheck.Accepted : IngestKeyCheck.NotIngestScope;
    }
}
