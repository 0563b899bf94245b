using System.Text.Json.Nodes;
using Amazon;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Dativo.Aws;

namespace Dativo.Orchestration.Datasets;

/// <summary>
/// SSM through the AWS SDK; Secrets Manager through <see cref="AwsJsonClient"/> (there is no SDK package for it
/// here). Credentials: see <see cref="AwsCredentialChain"/> (environment, shared profile, instance role on AWS);
/// endpoints may be overridden with AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_SECRETS_MANAGER /
/// AWS_ENDPOINT_URL (local emulators). Without credentials a source is "unavailable" at once (no metadata probing).
/// </summary>
internal sealed class AwsValueReader(Func<string, string?> env, HttpClient http) : IAwsValueReader
{
    private AWSCredentials Creds() => AwsCredentialChain.Resolve(env)
        ?? throw new SourceUnavailableException("no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a shared credentials file)");

    private static string Region(string? region) =>
        string.IsNullOrEmpty(region) ? throw new SourceUnavailableException("no AWS region (set AWS_REGION or region: on the source)") : region;

    private AmazonSimpleSystemsManagementClient Ssm(string? region)
    {
        var config = new AmazonSimpleSystemsManagementConfig { RegionEndpoint = RegionEndpoint.GetBySystemName(Region(region)) };
        if ((env("AWS_ENDPOINT_URL_SSM") ?? env("AWS_ENDPOINT_URL")) is { Length: > 0 } url) config.ServiceURL = url;
        return new AmazonSimpleSystemsManagementClient(Creds(), config);
    }

    public async Task<string?> GetParameterAsync(string name, string? region, CancellationToken ct)
    {
        using var ssm = Ssm(region);
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
        using var ssm = Ssm(region);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = name, Value = value, Type = ParameterType.SecureString, Overwrite = true }, ct);
    }

    public async Task<string?> GetSecretAsync(string secretId, string? region, CancellationToken ct)
    {
        try
        {
            var answer = await Secrets(region).CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = secretId }, ct);
            return (string?)answer["SecretString"];
        }
        catch (AwsServiceException e) when (e.Code == "ResourceNotFoundException")
        {
            return null;
        }
        catch (AwsException e)
        {
            throw new SourceUnavailableException(e.Message, e);
        }
    }

    public async Task PutSecretAsync(string secretId, string value, string? region, CancellationToken ct)
    {
        var client = Secrets(region);
        var token = Guid.NewGuid().ToString("N"); // one per logical write: the client's retries cannot add a second version
        try
        {
            await client.CallAsync("PutSecretValue", new JsonObject { ["SecretId"] = secretId, ["SecretString"] = value, ["ClientRequestToken"] = token }, ct);
        }
        catch (AwsServiceException e) when (e.Code == "ResourceNotFoundException")
        {
            await client.CallAsync("CreateSecret", new JsonObject { ["Name"] = secretId, ["SecretString"] = value, ["ClientRequestToken"] = token }, ct);
        }
    }

    private AwsJsonClient Secrets(string? region) =>
        new(AwsService.SecretsManager, new AwsClientOptions { Region = Region(region), Credentials = Creds(), Env = env, Http = http, MaxAttempts = 3 });
}
