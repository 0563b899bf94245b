using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;

namespace Dativo.Orchestration.Datasets;

/// <summary>
/// SSM through the AWS SDK; Secrets Manager through its JSON API signed with SigV4 (there is no SDK package
/// for it here). Credentials: see <see cref="AwsCredentialChain"/> (environment, shared profile, instance role on AWS);
/// endpoints may be overridden with AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_SECRETS_MANAGER /
/// AWS_ENDPOINT_URL (local emulators). Without credentials a source is "unavailable" at once (no metadata probing).
/// </summary>
internal sealed class AwsValueReader(Func<string, string?> env, HttpClient http) : IAwsValueReader
{
    private async Task<SigV4Signer.Credentials> CredsAsync()
    {
        var c = await AwsCredentialChain.ResolveAsync(env).ConfigureAwait(false)
            ?? throw new SourceUnavailableException("no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a shared credentials file)");
        return new SigV4Signer.Credentials(c.AccessKey, c.SecretKey, string.IsNullOrEmpty(c.Token) ? null : c.Token);
    }

    private static string Region(string? region) =>
        string.IsNullOrEmpty(region) ? throw new SourceUnavailableException("no AWS region (set AWS_REGION or region: on the source)") : region;

    private async Task<AmazonSimpleSystemsManagementClient> SsmAsync(string? region)
    {
        var c = await CredsAsync().ConfigureAwait(false);
        var config = new AmazonSimpleSystemsManagementConfig { RegionEndpoint = RegionEndpoint.GetBySystemName(Region(region)) };
        if ((env("AWS_ENDPOINT_URL_SSM") ?? env("AWS_ENDPOINT_URL")) is { Length: > 0 } url) config.ServiceURL = url;
        AWSCredentials creds = c.SessionToken is null ? new BasicAWSCredentials(c.AccessKeyId, c.SecretAccessKey) : new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
        return new AmazonSimpleSystemsManagementClient(creds, config);
    }

    public async Task<string?> GetParameterAsync(string name, string? region, CancellationToken ct)
    {
        using var ssm = await SsmAsync(region).ConfigureAwait(false);
        try
        {
            var r = await ssm.GetParameterAsync(new GetParameterRequest { Name = name, WithDecryption = true }, ct);
            return r.Parameter.Value;
        }
        catch (ParameterNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw new SourceUnavailableException(e.Message, e);
        }
    }

    public async Task PutParameterAsync(string name, string value, string? region, CancellationToken ct)
    {
        using var ssm = await SsmAsync(region).ConfigureAwait(false);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = name, Value = value, Type = ParameterType.SecureString, Overwrite = true }, ct);
    }

    public async Task<string?> GetSecretAsync(string secretId, string? region, CancellationToken ct)
    {
        var (status, body) = await CallSecretsAsync("GetSecretValue", new JsonObject { ["SecretId"] = secretId }, region, ct);
        if (status == HttpStatusCode.OK) return (string?)body?["SecretString"];
        if (ErrorType(body) == "ResourceNotFoundException") return null;
        throw new SourceUnavailableException($"Secrets Manager answered {(int)status} {ErrorType(body)}: {(string?)body?["message"] ?? (string?)body?["Message"]}");
    }

    public async Task PutSecretAsync(string secretId, string value, string? region, CancellationToken ct)
    {
        var (status, body) = await CallSecretsAsync("PutSecretValue", new JsonObject { ["SecretId"] = secretId, ["SecretString"] = value }, region, ct);
        if (status == HttpStatusCode.OK) return;
        if (ErrorType(body) == "ResourceNotFoundException")
            (status, body) = await CallSecretsAsync("CreateSecret", new JsonObject { ["Name"] = secretId, ["SecretString"] = value }, region, ct);
        if (status != HttpStatusCode.OK)
            throw new Core.Errors.DativoException($"Secrets Manager answered {(int)status} {ErrorType(body)}: {(string?)body?["message"] ?? (string?)body?["Message"]}");
    }

    private static string? ErrorType(JsonNode? body)
    {
        var t = (string?)body?["__type"];
        return t is null ? null : t[(t.LastIndexOf('#') + 1)..];
    }

    private async Task<(HttpStatusCode, JsonNode?)> CallSecretsAsync(string action, JsonObject request, string? region, CancellationToken ct)
    {
        var creds = await CredsAsync().ConfigureAwait(false);
        var r = Region(region);
        var endpoint = new Uri(env("AWS_ENDPOINT_URL_SECRETS_MANAGER") ?? env("AWS_ENDPOINT_URL") ?? $"https://secretsmanager.{r}.amazonaws.com/");
        var body = Encoding.UTF8.GetBytes(request.ToJsonString());
        var now = DateTimeOffset.UtcNow;
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var host = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}";
        var headers = new List<(string, string)>
        {
            ("content-type", "application/x-amz-json-1.1"),
            ("host", host),
            ("x-amz-date", amzDate),
            ("x-amz-target", "secretsmanager." + action),
        };
        if (creds.SessionToken is not null) headers.Add(("x-amz-security-token", creds.SessionToken));
        var signed = SigV4Signer.Sign("POST", endpoint.AbsolutePath, "", headers, body, creds, r, "secretsmanager", now);
        using var msg = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        msg.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        msg.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        msg.Headers.TryAddWithoutValidation("X-Amz-Target", "secretsmanager." + action);
        if (creds.SessionToken is not null) msg.Headers.TryAddWithoutValidation("X-Amz-Security-Token", creds.SessionToken);
        msg.Headers.TryAddWithoutValidation("Authorization", signed.Authorization);
        try
        {
            using var response = await http.SendAsync(msg, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonNode? json = null;
            try { json = text.Length == 0 ? null : JsonNode.Parse(text); } catch (JsonException) { }
            return (response.StatusCode, json);
        }
        catch (HttpRequestException e)
        {
            throw new SourceUnavailableException($"cannot reach Secrets Manager at {endpoint}: {e.Message}", e);
        }
    }
}
