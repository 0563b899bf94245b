using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Dativo.Aws;
using Dativo.Aws.Testing;
using Dativo.Orchestration.Datasets;
using Dativo.Orchestration.Runs;
using Dativo.Testing.Services;

namespace Dativo.Orchestration.Tests;

/// <summary>
/// Dataset lists and secrets from Secrets Manager (through the signed client, against a server that accepts only
/// requests valid under the Secrets Manager botocore model) and from SSM (AWS SDK, against a local fake of its API).
/// </summary>
public sealed class AwsSourceTests
{
    private sealed class SecretsScript
    {
        public readonly ConcurrentDictionary<string, string> Secrets = new(StringComparer.Ordinal);

        public ModelAnswer Handle(string operation, JsonObject input)
        {
            var arn = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:x";
            switch (operation)
            {
                case "GetSecretValue":
                    return Secrets.TryGetValue((string)input["SecretId"]!, out var v)
                        ? ModelAnswer.Ok(new JsonObject { ["ARN"] = arn, ["Name"] = (string?)input["SecretId"], ["SecretString"] = v })
                        : ModelAnswer.Error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
                case "PutSecretValue":
                    if (!Secrets.ContainsKey((string)input["SecretId"]!)) return ModelAnswer.Error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
                    Secrets[(string)input["SecretId"]!] = (string)input["SecretString"]!;
                    return ModelAnswer.Ok(new JsonObject { ["ARN"] = arn, ["Name"] = (string?)input["SecretId"], ["VersionId"] = (string?)input["ClientRequestToken"] });
                case "CreateSecret":
                    Secrets[(string)input["Name"]!] = (string)input["SecretString"]!;
                    return ModelAnswer.Ok(new JsonObject { ["ARN"] = arn, ["Name"] = (string?)input["Name"], ["VersionId"] = (string?)input["ClientRequestToken"] });
                default:
                    return ModelAnswer.Error("InvalidRequestException", "not scripted");
            }
        }
    }

    [Fact]
    public async Task Secretsmanager_source_is_read_through_the_model_checked_signed_client()
    {
        var script = new SecretsScript();
        script.Secrets["development/emr_datasets_list"] = "{\"datasets\": [\"ancient-woodland\", \"listed-building\"]}";
        using var server = new ModelCheckedAwsServer("secretsmanager", script.Handle);
        var env = new Dictionary<string, string>(server.Environment(AwsService.SecretsManager.EndpointVariable));
        using var http = new HttpClient();
        var aws = new AwsValueReader(k => env.GetValueOrDefault(k), http);
        using var h = new EngineHarness(env: k => env.GetValueOrDefault(k));
        var p = h.Load("""
            name: per_dataset
            tasks:
              - name: process
                type: command
                foreach:
                  sources:
                    - {secretsmanager: development/missing}
                    - {secretsmanager: development/emr_datasets_list}
                    - {values: [fallback]}
                command: [echo, "{{ dataset }}"]
            """);
        var (list, source) = await new DatasetResolver(k => env.GetValueOrDefault(k), aws).ResolveAsync(p, p.Tasks[0], default);
        Assert.Equal(["ancient-woodland", "listed-building"], list);
        Assert.Equal("secretsmanager development/emr_datasets_list", source);
        Assert.Equal(2, server.Calls("GetSecretValue"));

        // writing: PutSecretValue, and CreateSecret when the secret does not exist yet (both with an idempotency token)
        await aws.PutSecretAsync("development/emr_datasets_list", "[\"a\"]", "eu-west-2", default);
        await aws.PutSecretAsync("development/new_list", "[\"b\"]", "eu-west-2", default);
        Assert.Equal("[\"a\"]", await aws.GetSecretAsync("development/emr_datasets_list", "eu-west-2", default));
        Assert.Equal("[\"b\"]", await aws.GetSecretAsync("development/new_list", "eu-west-2", default));
        Assert.Equal((2, 1), (server.Calls("PutSecretValue"), server.Calls("CreateSecret")));

        // Unreachable endpoint: the source is unavailable and the next one is tried.
        env[AwsService.SecretsManager.EndpointVariable] = $"http://127.0.0.1:{ServiceProcesses.FreePort()}/";
        var (fallback, _) = await new DatasetResolver(k => env.GetValueOrDefault(k), aws).ResolveAsync(p, p.Tasks[0], default);
        Assert.Equal(["fallback"], fallback);
        env[AwsService.SecretsManager.EndpointVariable] = server.Endpoint.ToString();

        // No keys in the environment: a profile of the shared credentials file (with its session token), else default
        using var home = new Dativo.Testing.TempDir();
        var key = ModelCheckedAwsServer.AccessKey;
        var secret = ModelCheckedAwsServer.SecretKey;
        var credentials = home.File("credentials", $"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n\n" +
            $"[etl]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\naws_session_token = session-token\n");
        env.Remove("AWS_ACCESS_KEY_ID");
        env.Remove("AWS_SECRET_ACCESS_KEY");
        env["AWS_SHARED_CREDENTIALS_FILE"] = credentials;
        env["AWS_PROFILE"] = "etl";
        Assert.NotNull(await aws.GetSecretAsync("development/emr_datasets_list", "eu-west-2", default));
        env.Remove("AWS_PROFILE");
        Assert.NotNull(await aws.GetSecretAsync("development/emr_datasets_list", "eu-west-2", default));
        Assert.Empty(server.Violations);
        // a profile the file does not have: unavailable at once (no instance-role probing off AWS)
        env["AWS_PROFILE"] = "missing";
        var none = await Assert.ThrowsAsync<SourceUnavailableException>(() => aws.GetSecretAsync("development/emr_datasets_list", "eu-west-2", default));
        Assert.Contains("no AWS credentials", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ssm_parameters_are_read_through_the_sdk_with_decryption()
    {
        var seen = new ConcurrentQueue<LocalHttpServer.Request>();
        using var ssm = new LocalHttpServer(r =>
        {
            seen.Enqueue(r);
            var name = (string?)JsonNode.Parse(r.Body)!["Name"];
            return Task.FromResult(name == "/emr/datasets-list"
                ? LocalHttpServer.Response.Json(200, new JsonObject { ["Parameter"] = new JsonObject { ["Name"] = name, ["Type"] = "SecureString", ["Value"] = "[\"from-ssm\"]", ["Version"] = 1 } }.ToJsonString(), "application/x-amz-json-1.1")
                : LocalHttpServer.Response.Json(400, "{\"__type\":\"ParameterNotFound\",\"message\":\"not found\"}", "application/x-amz-json-1.1"));
        });
        var env = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE", ["AWS_SECRET_ACCESS_KEY"] = "secret", ["AWS_ENDPOINT_URL_SSM"] = ssm.Endpoint.ToString() };
        using var http = new HttpClient();
        var aws = new AwsValueReader(k => env.GetValueOrDefault(k), http);
        Assert.Equal("[\"from-ssm\"]", await aws.GetParameterAsync("/emr/datasets-list", "eu-west-2", default));
        Assert.Null(await aws.GetParameterAsync("/emr/other", "eu-west-2", default));
        Assert.Contains(seen, s => s.Header("X-Amz-Target") == "AmazonSSM.GetParameter" && s.Text.Contains("\"WithDecryption\":true", StringComparison.Ordinal));
    }
}
