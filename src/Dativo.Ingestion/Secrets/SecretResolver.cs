using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Dativo.Core.Errors;

namespace Dativo.Ingestion.Secrets;

/// <summary>
/// Secrets of a tenant, by name: env <c>DATIVO_SECRET__&lt;TENANT&gt;__&lt;NAME&gt;</c>, then
/// <c>&lt;secrets-dir&gt;/&lt;tenant&gt;/&lt;name&gt;[.txt|.env|.json]</c>, then AWS SSM Parameter Store for
/// references <c>ssm:/path</c>. Every value handed out is remembered so <see cref="Redact"/> can blank it
/// from any message before it is printed.
/// </summary>
public sealed partial class SecretResolver(Func<string, string?> env, string? secretsDir, Func<IAmazonSimpleSystemsManagement>? ssm = null)
{
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);

    /// <summary>A secret by name, or null when no provider has it.</summary>
    public async Task<string?> GetAsync(string tenant, string name, CancellationToken ct)
    {
        if (name.StartsWith("ssm:", StringComparison.Ordinal)) return Remember(await SsmAsync(name[4..], ct).ConfigureAwait(false));
        var envName = $"DATIVO_SECRET__{Key(tenant)}__{Key(name)}";
        if (env(envName) is { } v) return Remember(v);
        if (secretsDir is not null)
        {
            foreach (var ext in new[] { "", ".txt", ".env", ".json" })
            {
                var path = Path.Combine(secretsDir, tenant, name + ext);
                if (File.Exists(path)) return Remember((await File.ReadAllTextAsync(path, ct).ConfigureAwait(false)).TrimEnd('\r', '\n'));
            }
        }
        return null;
    }

    /// <summary>Resolves a reference (<c>secret:NAME</c>, <c>${secret:NAME}</c>, <c>ssm:/path</c>) or returns the text unchanged.</summary>
    public async Task<string?> ResolveAsync(string tenant, string? text, CancellationToken ct)
    {
        if (text is null) return null;
        var m = Reference().Match(text);
        if (!m.Success) return text;
        var name = m.Groups["ssm"].Success ? "ssm:" + m.Groups["ssm"].Value : m.Groups["name"].Value;
        return await GetAsync(tenant, name, ct).ConfigureAwait(false)
            ?? throw new DativoException($"secret '{name}' of tenant '{tenant}' not found: set DATIVO_SECRET__{Key(tenant)}__{Key(name)}, " +
                "or put a file <secrets-dir>/<tenant>/<name>, or use ssm:/parameter/path");
    }

    /// <summary>Parses KEY=VALUE lines (a .env secret).</summary>
    public static Dictionary<string, string> ParseEnv(string text) => text.Split('\n')
        .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('='))
        .Select(l => (K: l[..l.IndexOf('=')].Trim(), V: l[(l.IndexOf('=') + 1)..].Trim().Trim('"')))
        .GroupBy(p => p.K).ToDictionary(g => g.Key, g => g.Last().V, StringComparer.Ordinal);

    public string Redact(string message)
    {
        foreach (var s in _seen.Keys.OrderByDescending(k => k.Length))
            message = message.Replace(s, "***", StringComparison.Ordinal);
        return message;
    }

    private string Remember(string value)
    {
        if (value.Length >= 4) _seen.TryAdd(value, 0);
        foreach (var line in value.Split('\n', ';', '&'))
        {
            var eq = line.IndexOf('=');
            if (eq > 0 && line.Length - eq > 4) _seen.TryAdd(line[(eq + 1)..].Trim().Trim('"'), 0);
        }
        return value;
    }

    private async Task<string> SsmAsync(string path, CancellationToken ct)
    {
        var client = ssm?.Invoke() ?? new AmazonSimpleSystemsManagementClient();
        try
        {
            var r = await client.GetParameterAsync(new GetParameterRequest { Name = path, WithDecryption = true }, ct).ConfigureAwait(false);
            return r.Parameter.Value;
        }
        catch (AmazonSimpleSystemsManagementException e)
        {
            throw new DativoException($"SSM parameter '{path}' could not be read: {e.ErrorCode}");
        }
    }

    private static string Key(string s) => NonWord().Replace(s.ToUpperInvariant(), "_");

    [GeneratedRegex(@"^\s*(?:\$\{)?(?:secret:(?<name>[A-Za-z0-9_.\-]+)|ssm:(?<ssm>/[^}\s]+))\}?\s*$")]
    private static partial Regex Reference();

    [GeneratedRegex(@"[^A-Z0-9]")]
    private static partial Regex NonWord();
}
