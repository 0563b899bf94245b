using System.Net;
using Dativo.Testing.Services;
using System.Text.Json.Nodes;
using Dativo.Orchestration.Datasets;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Tests;

/// <summary>Secrets Manager source against a local fake of its JSON API on 127.0.0.1 (real-server tests come with the AWS issue).</summary>
public sealed class AwsSourceTests
{
    [Fact]
    public async Task Secretsmanager_source_is_read_through_the_signed_json_api()
    {
        var port = ServiceProcesses.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var seen = new List<(string Target, string Auth, string Body)>();
        var secrets = new Dictionary<string, string> { ["development/emr_datasets_list"] = "{\"datasets\": [\"ancient-woodland\", \"listed-building\"]}" };
        using var stop = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext c;
                try { c = await listener.GetContextAsync(); } catch (HttpListenerException) { return; } catch (ObjectDisposedException) { return; }
                using var reader = new StreamReader(c.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                var target = c.Request.Headers["X-Amz-Target"] ?? "";
                lock (seen) seen.Add((target, c.Request.Headers["Authorization"] ?? "", body));
                var id = (string?)JsonNode.Parse(body)!["SecretId"];
                string response;
                if (target == "AmazonSSM.GetParameter")
                {
                    var name = (string?)JsonNode.Parse(body)!["Name"];
                    c.Response.StatusCode = name == "/emr/datasets-list" ? 200 : 400;
                    response = name == "/emr/datasets-list"
                        ? new JsonObject { ["Parameter"] = new JsonObject { ["Name"] = name, ["Type"] = "SecureString", ["Value"] = "[\"from-ssm\"]", ["Version"] = 1 } }.ToJsonString()
                        : "{\"__type\":\"ParameterNotFound\",\"message\":\"not found\"}";
                }
                else if (target == "secretsmanager.GetSecretValue" && id is not null && secrets.TryGetValue(id, out var v))
                {
                    c.Response.StatusCode = 200;
                    response = new JsonObject { ["Name"] = id, ["SecretString"] = v }.ToJsonString();
                }
                else
                {
                    c.Response.StatusCode = 400;
                    response = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified secret.\"}";
                }
                var bytes = System.Text.Encoding.UTF8.GetBytes(response);
                c.Response.ContentType = "application/x-amz-json-1.1";
                await c.Response.OutputStream.WriteAsync(bytes);
                c.Response.Close();
            }
        });
        var env = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = "secret",
            ["AWS_REGION"] = "eu-west-2",
            ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = $"http://127.0.0.1:{port}/",
        };
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
        Assert.All(seen, s => Assert.Matches(@"^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/eu-west-2/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$", s.Auth));
        Assert.Equal(2, seen.Count);
        seen.Clear();

        // Unreachable endpoint: the source is unavailable and the next one is tried (and named if none works).
        env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = $"http://127.0.0.1:{ServiceProcesses.FreePort()}/";
        var (fallback, _) = await new DatasetResolver(k => env.GetValueOrDefault(k), aws).ResolveAsync(p, p.Tasks[0], default);
        Assert.Equal(["fallback"], fallback);

        // SSM through the AWS SDK against the same fake.
        env["AWS_ENDPOINT_URL_SSM"] = $"http://127.0.0.1:{port}/";
        Assert.Equal("[\"from-ssm\"]", await aws.GetParameterAsync("/emr/datasets-list", "eu-west-2", default));
        Assert.Null(await aws.GetParameterAsync("/emr/other", "eu-west-2", default));
        Assert.Contains(seen, s => s.Target == "AmazonSSM.GetParameter" && s.Body.Contains("\"WithDecryption\":true", StringComparison.Ordinal));

        // No keys in the environment: a profile of the shared credentials file (with its session token)
        using var home = new Dativo.Testing.TempDir();
        var credentials = home.File("credentials", "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n" +
            "[etl]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = p\naws_session_token = session-token\n");
        env.Remove("AWS_ACCESS_KEY_ID");
        env.Remove("AWS_SECRET_ACCESS_KEY");
        env["AWS_SHARED_CREDENTIALS_FILE"] = credentials;
        env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = $"http://127.0.0.1:{port}/";
        env["AWS_PROFILE"] = "etl";
        seen.Clear();
        Assert.NotNull(await aws.GetSecretAsync("development/emr_datasets_list", "eu-west-2", default));
        Assert.Matches(@"^AWS4-HMAC-SHA256 Credential=AKIDPROFILE/\d{8}/eu-west-2/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, ", seen[0].Auth);
        env.Remove("AWS_PROFILE");
        seen.Clear();
        Assert.NotNull(await aws.GetSecretAsync("development/emr_datasets_list", "eu-west-2", default));
        Assert.Contains("Credential=AKIDDEFAULT/", seen[0].Auth, StringComparison.Ordinal);
        // a profile the file does not have: unavailable at once (no instance-role probing off AWS)
        env["AWS_PROFILE"] = "missing";
        var none = await Assert.ThrowsAsync<SourceUnavailableException>(() => aws.GetSecretAsync("development/emr_datasets_list", "eu-west-2", default));
        Assert.Contains("no AWS credentials", none.Message, StringComparison.Ordinal);
        await stop.CancelAsync();
        listener.Stop();
    }

}
