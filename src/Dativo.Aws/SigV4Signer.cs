using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dativo.Aws;

/// <summary>
/// AWS Signature Version 4 for requests to AWS JSON APIs (written from the public specification). The path is taken
/// as sent on the wire and encoded once more, as every service but S3 expects; the query is decoded and encoded once.
/// </summary>
internal static class SigV4Signer
{
    public sealed record Credentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null);

    public sealed record Signed(string CanonicalRequest, string StringToSign, string Authorization);

    /// <param name="headers">the headers to sign (name, value), including host and x-amz-date; repeated names allowed</param>
    public static Signed Sign(string method, string path, string query, IEnumerable<(string Name, string Value)> headers, byte[] body,
        Credentials creds, string region, string service, DateTimeOffset time)
    {
        var amzDate = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var day = amzDate[..8];
        var all = headers.ToList();
        if (creds.SessionToken is not null && !all.Any(h => h.Name.Equals("x-amz-security-token", StringComparison.OrdinalIgnoreCase)))
            all.Add(("x-amz-security-token", creds.SessionToken));
        var canonicalHeaders = all
            .GroupBy(h => h.Name.Trim().ToLowerInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(",", g.Select(h => Collapse(h.Value)))))
            .ToList();
        var signedHeaders = string.Join(";", canonicalHeaders.Select(h => h.Name));
        var creq = new StringBuilder()
            .Append(method).Append('\n')
            .Append(CanonicalPath(path)).Append('\n')
            .Append(CanonicalQuery(query)).Append('\n');
        foreach (var (n, v) in canonicalHeaders) creq.Append(n).Append(':').Append(v).Append('\n');
        creq.Append('\n').Append(signedHeaders).Append('\n').Append(Hex(SHA256.HashData(body)));
        var canonical = creq.ToString();
        var scope = $"{day}/{region}/{service}/aws4_request";
        var sts = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + creds.SecretAccessKey), day);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Hex(Hmac(key, sts));
        return new Signed(canonical, sts, $"AWS4-HMAC-SHA256 Credential={creds.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    private static string Collapse(string value)
    {
        var parts = value.Split(['\n', '\r'], StringSplitOptions.None).Select(p => p.Trim()).Where(p => p.Length > 0);
        var joined = string.Join(" ", parts);
        var sb = new StringBuilder(joined.Length);
        foreach (var c in joined)
            if (c != ' ' || sb.Length == 0 || sb[^1] != ' ') sb.Append(c);
        return sb.ToString();
    }

    private static string CanonicalPath(string path)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        var segments = path.Split('/').Select(Encode);
        return string.Join("/", segments);
    }

    private static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query)) return "";
        return string.Join("&", query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                var k = eq < 0 ? p : p[..eq];
                var v = eq < 0 ? "" : p[(eq + 1)..];
                return (K: Encode(Uri.UnescapeDataString(k)), V: Encode(Uri.UnescapeDataString(v)));
            })
            .OrderBy(x => x.K, StringComparer.Ordinal).ThenBy(x => x.V, StringComparer.Ordinal)
            .Select(x => $"{x.K}={x.V}"));
    }

    /// <summary>RFC 3986 percent-encoding of everything but unreserved characters.</summary>
    public static string Encode(string s)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~') sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);
}
