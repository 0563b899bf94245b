using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dativo.Aws;
using Microsoft.AspNetCore.Http;

namespace Dativo.Streaming.Api;

/// <summary>
/// Checks an AWS Signature Version 4 on a request: recomputes it with the repository's signer from the headers the
/// client says it signed and the secret of its access key, and compares in constant time. Errors are the ones AWS
/// answers (MissingAuthenticationToken, UnrecognizedClient, InvalidSignature), never naming the secret.
/// </summary>
internal sealed class SigV4Verifier(IReadOnlyDictionary<string, string> secrets, TimeProvider time)
{
    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    /// <summary>Returns the caller's access key id when the signature is right; throws the AWS error otherwise.</summary>
    public string Verify(HttpRequest request, byte[] body)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0) throw new FirehoseError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
        if (!authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
            throw new FirehoseError(400, "IncompleteSignatureException", "Authorization header requires the AWS4-HMAC-SHA256 algorithm.");
        var fields = authorization["AWS4-HMAC-SHA256 ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaders) || !fields.TryGetValue("Signature", out var signature))
            throw new FirehoseError(400, "IncompleteSignatureException", "Authorization header requires Credential, SignedHeaders and Signature.");
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
            throw new FirehoseError(400, "IncompleteSignatureException", "Credential should be scoped to a valid region and service.");
        if (!secrets.TryGetValue(scope[0], out var secret))
            throw new FirehoseError(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
        if (scope[3] != "firehose")
            throw new FirehoseError(400, "InvalidSignatureException", $"Credential should be scoped to correct service: 'firehose'.");
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
            throw new FirehoseError(400, "IncompleteSignatureException", "Authorization requires an X-Amz-Date header.");
        var now = time.GetUtcNow();
        if ((now - signedAt).Duration() > MaxSkew)
            throw new FirehoseError(400, "InvalidSignatureException",
                $"Signature expired: {amzDate} is now earlier than {(now - MaxSkew).UtcDateTime:yyyyMMdd'T'HHmmss'Z'} ({now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'} - 15 min.)");
        var headers = new List<(string, string)>();
        foreach (var name in signedHeaders.Split(';'))
        {
            var value = name == "host" ? request.Host.Value ?? "" : string.Join(",", request.Headers[name].Select(v => v ?? ""));
            headers.Add((name, value));
        }
        var expected = SigV4Signer.Sign(request.Method, request.Path.HasValue ? request.Path.Value! : "/", request.QueryString.Value ?? "",
            headers, body, new SigV4Signer.Credentials(scope[0], secret), scope[2], scope[3], signedAt);
        var expectedSignature = expected.Authorization[(expected.Authorization.LastIndexOf("Signature=", StringComparison.Ordinal) + "Signature=".Length)..];
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expectedSignature), Encoding.ASCII.GetBytes(signature)))
            throw new FirehoseError(400, "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        return scope[0];
    }
}
