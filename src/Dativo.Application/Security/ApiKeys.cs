using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dativo.Core.Errors;
using Dativo.Lake.State;

namespace Dativo.Application.Security;

/// <summary>What a key may do. <see cref="Operate"/> includes <see cref="Read"/>; <see cref="Ingest"/> is only stream ingestion.</summary>
public enum ApiScope { Read, Operate, Ingest }

/// <summary>A stored API key: never the key itself, only the SHA-256 of it.</summary>
public sealed record ApiKeyRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("scope")] ApiScope Scope,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("revoked_at")] DateTimeOffset? RevokedAt = null)
{
    public bool Revoked => RevokedAt is not null;
}

/// <summary>
/// API keys of the server, in the state store (namespace <c>api_keys</c>). A key is <c>dtv_&lt;id&gt;_&lt;secret&gt;</c>: 32 random
/// bytes of secret, shown once at creation; the store keeps the SHA-256 of the whole key, compared in constant time.
/// </summary>
public sealed class ApiKeys(IStateStore state, TimeProvider time)
{
    private const string Namespace = "api_keys";
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) } };

    public static ApiScope ParseScope(string s) => s.Trim().ToLowerInvariant() switch
    {
        "read" => ApiScope.Read,
        "operate" => ApiScope.Operate,
        "ingest" => ApiScope.Ingest,
        _ => throw new DativoException($"--scope {s}: use read, operate or ingest"),
    };

    /// <summary>True when a key of scope <paramref name="have"/> may call an endpoint needing <paramref name="need"/>.</summary>
    public static bool Allows(ApiScope have, ApiScope need) => need switch
    {
        ApiScope.Read => have is ApiScope.Read or ApiScope.Operate,
        ApiScope.Operate => have == ApiScope.Operate,
        _ => have == ApiScope.Ingest,
    };

    /// <summary>Creates a key; the returned key text is the only copy (the store keeps its hash).</summary>
    public async Task<(ApiKeyRecord Record, string Key)> CreateAsync(ApiScope scope, string? name, CancellationToken ct)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var key = $"dtv_{id}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        if (name is not null && (name.Length is 0 or > 100 || name.Any(char.IsControl)))
            throw new DativoException("--name: give 1 to 100 printable characters");
        var record = new ApiKeyRecord(id, name ?? $"{scope.ToString().ToLowerInvariant()}-{id}", scope, Hash(key), time.GetUtcNow());
        var put = await state.PutAsync(Namespace, id, JsonSerializer.Serialize(record, Json), expectedVersion: 0, ct: ct).ConfigureAwait(false);
        if (!put.Succeeded) throw new DativoException("a key with the same id was created at the same moment; create it again");
        return (record, key);
    }

    public async Task<List<ApiKeyRecord>> ListAsync(CancellationToken ct)
    {
        var list = new List<ApiKeyRecord>();
        await foreach (var e in state.ListAsync(Namespace, "", ct).ConfigureAwait(false)) list.Add(JsonSerializer.Deserialize<ApiKeyRecord>(e.Json, Json)!);
        return list;
    }

    /// <summary>Revokes the key with this id or name; false when there is none (a revoked key stays listed as revoked).</summary>
    public async Task<ApiKeyRecord?> RevokeAsync(string idOrName, CancellationToken ct)
    {
        var matches = (await ListAsync(ct).ConfigureAwait(false)).Where(k => k.Id == idOrName || k.Name == idOrName).ToList();
        if (matches.Count > 1) throw new DativoException($"'{idOrName}' names {matches.Count} keys; revoke by id: {string.Join(", ", matches.Select(m => m.Id))}");
        if (matches.Count == 0) return null;
        var revoked = matches[0] with { RevokedAt = matches[0].RevokedAt ?? time.GetUtcNow() };
        await state.PutAsync(Namespace, revoked.Id, JsonSerializer.Serialize(revoked, Json), ct: ct).ConfigureAwait(false);
        return revoked;
    }

    /// <summary>The live key record a presented key matches, or null (unknown, malformed, revoked or wrong secret).</summary>
    public async Task<ApiKeyRecord?> VerifyAsync(string presented, CancellationToken ct)
    {
        var parts = presented.Split('_', 3);
        if (parts.Length != 3 || parts[0] != "dtv" || parts[1].Length != 12 || !parts[1].All(char.IsAsciiHexDigitLower)) return null;
        if (await state.GetAsync(Namespace, parts[1], ct).ConfigureAwait(false) is not { } e) return null;
        var record = JsonSerializer.Deserialize<ApiKeyRecord>(e.Json, Json)!;
        var same = CryptographicOperations.FixedTimeEquals(Convert.FromHexString(record.Sha256), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
        return same && !record.Revoked ? record : null;
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
