using Microsoft.AspNetCore.Http;

namespace Dativo.Streaming.Hosting;

/// <summary>What a host's API-key check says about a request to the Firehose API.</summary>
public enum IngestKeyCheck
{
    /// <summary>The request carries no API key: SigV4 (or, where allowed, no authentication) decides.</summary>
    NoKey,

    /// <summary>A live key of the ingest scope: the caller may put to every stream.</summary>
    Accepted,

    /// <summary>A key that is unknown, revoked or mistyped (401).</summary>
    Unknown,

    /// <summary>A live key of another scope (read, operate): refused for ingestion (403).</summary>
    NotIngestScope,
}

/// <summary>
/// The host's API keys as the Firehose API sees them (<c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key</c>). The
/// streaming layer defines it and <c>dativo serve</c> implements it with its key store, so streaming needs no key store.
/// </summary>
public interface IIngestAuthenticator
{
    ValueTask<IngestKeyCheck> CheckAsync(HttpRequest request, CancellationToken ct);
}

/// <summary>How a host that maps the Firehose API into its own web server authenticates callers.</summary>
/// <param name="ApiKeys">the host's key check, or null for SigV4 only</param>
/// <param name="AnonymousAllowed">
/// requests without any credential are accepted when no stream uses SigV4 — the host says so only when it listens on
/// loopback alone and does not require keys (auth: none stays loopback-only)
/// </param>
public sealed record InProcessHosting(IIngestAuthenticator? ApiKeys, bool AnonymousAllowed);
