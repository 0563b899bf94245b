using System.Globalization;
using System.Text.RegularExpressions;

namespace Dativo.Aws.Testing;

/// <summary>
/// Server side of SigV4: recomputes the signature of a received request from its wire form (the headers it names as
/// signed, the body it carried) with the known secret. A mismatch means the client sent something other than it signed.
/// </summary>
internal static partial class SigV4Verifier
{
    /// <summary>Null when the request is correctly signed for <paramref name="service"/>; else what is wrong.</summary>
    public static string? Check(LocalHttpServer.Request request, string accessKey, string secretKey, string service, string? sessionToken = null)
    {
        var auth = request.Header("Authorization");
        if (auth is null) return "no Authorization header";
        var m = AuthPattern().Match(auth);
        if (!m.Success) return $"malformed Authorization header: {auth}";
        if (m.Groups["key"].Value != accessKey) return $"signed with access key {m.Groups["key"].Value}, expected {accessKey}";
        if (m.Groups["service"].Value != service) return $"signed for service '{m.Groups["service"].Value}', expected '{service}'";
        var date = request.Header("X-Amz-Date");
        if (date is null || !DateTimeOffset.TryParseExact(date, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return "no valid X-Amz-Date header";
        if (sessionToken is not null && request.Header("X-Amz-Security-Token") != sessionToken) return "the session token is missing or wrong";
        var signedNames = m.Groups["headers"].Value.Split(';');
        foreach (var required in new[] { "host", "x-amz-date" })
            if (!signedNames.Contains(required, StringComparer.Ordinal)) return $"header '{required}' is not signed";
        if (request.Header("X-Amz-Target") is not null && !signedNames.Contains("x-amz-target", StringComparer.Ordinal)) return "X-Amz-Target is not signed";
        var headers = new List<(string, string)>();
        foreach (var name in signedNames)
        {
            var value = request.Header(name);
            if (value is null) return $"signed header '{name}' was not sent";
            headers.Add((name, value));
        }
        var expected = SigV4Signer.Sign(request.Method, request.Path, request.Query, headers, request.Body,
            new SigV4Signer.Credentials(accessKey, secretKey, sessionToken), m.Groups["region"].Value, service, time);
        return expected.Authorization == auth ? null : "signature does not match the request as received";
    }

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<day>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, SignedHeaders=(?<headers>[a-z0-9;-]+), Signature=[0-9a-f]{64}$")]
    private static partial Regex AuthPattern();
}
