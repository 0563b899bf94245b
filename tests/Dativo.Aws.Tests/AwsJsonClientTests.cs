using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Dativo.Aws.Testing;
using Response = Dativo.Aws.Testing.LocalHttpServer.Response;

namespace Dativo.Aws.Tests;

/// <summary>The signed JSON client against a local HTTP server that checks every signature it receives.</summary>
public sealed class AwsJsonClientTests
{
    private const string Key = "AKIDCLIENTTEST";
    private const string Secret = "client-test-secret/+never-shown";

    private static AwsClientOptions Options(Uri endpoint, List<string>? log = null, int maxAttempts = 5, TimeSpan? baseDelay = null) => new()
    {
        Region = "eu-west-2",
        Endpoint = endpoint,
        Credentials = new BasicAWSCredentials(Key, Secret),
        Env = _ => null,
        MaxAttempts = maxAttempts,
        BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(1),
        MaxDelay = baseDelay is null ? TimeSpan.FromMilliseconds(5) : TimeSpan.FromHours(1),
        Random = new Random(7),
        Log = log is null ? null : line => { lock (log) log.Add(line); },
    };

    private static Response Throttled(string code) => Response.Json(400, $"{{\"__type\":\"com.amazonaws#{code}\",\"message\":\"Rate exceeded\"}}", "application/x-amz-json-1.1");

    [Fact]
    public async Task Throttling_429_and_5xx_are_retried_until_success()
    {
        var answers = new ConcurrentQueue<Response>([
            Throttled("ThrottlingException"),
            Throttled("TooManyRequestsException"),
            Throttled("RequestLimitExceeded"),
            Response.Json(429, "{\"message\":\"slow down\"}"),
            Response.Json(503, "{\"__type\":\"ServiceUnavailable\"}"),
        ]);
        var seen = new ConcurrentQueue<LocalHttpServer.Request>();
        using var server = new LocalHttpServer(r =>
        {
            seen.Enqueue(r);
            return Task.FromResult(answers.TryDequeue(out var a) ? a : Response.Json(200, "{\"SecretString\":\"ok\"}", "application/x-amz-json-1.1"));
        });
        var log = new List<string>();
        var client = new AwsJsonClient(AwsService.SecretsManager, Options(server.Endpoint, log, maxAttempts: 6));

        var answer = await client.CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = "s" }, default);

        Assert.Equal("ok", (string?)answer["SecretString"]);
        Assert.Equal(6, seen.Count);
        Assert.All(seen, r =>
        {
            Assert.Null(SigV4Verifier.Check(r, Key, Secret, "secretsmanager"));
            Assert.Equal("secretsmanager.GetSecretValue", r.Header("X-Amz-Target"));
            Assert.Equal("application/x-amz-json-1.1", r.Header("Content-Type"));
            Assert.Equal("{\"SecretId\":\"s\"}", r.Text);
        });
        Assert.Equal(5, log.Count);
        Assert.Contains("ThrottlingException (HTTP 400)", log[0], StringComparison.Ordinal);
        Assert.Contains("HTTP429 (HTTP 429)", log[3], StringComparison.Ordinal);
        Assert.Contains("ServiceUnavailable (HTTP 503)", log[4], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttling_past_the_attempt_limit_is_a_typed_error_without_secrets()
    {
        var count = 0;
        using var server = new LocalHttpServer(r =>
        {
            Interlocked.Increment(ref count);
            return Task.FromResult(Throttled("ThrottlingException") with
            {
                Headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-amz-json-1.1", ["x-amzn-RequestId"] = "req-1" },
            });
        });
        var client = new AwsJsonClient(AwsService.SecretsManager, Options(server.Endpoint, maxAttempts: 3));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = "s" }, default));

        Assert.Equal(3, count);
        Assert.Equal("ThrottlingException", e.Code);
        Assert.Equal(400, e.StatusCode);
        Assert.Equal("req-1", e.RequestId);
        Assert.True(e.IsThrottling);
        Assert.Equal("Secrets Manager GetSecretValue failed: ThrottlingException (HTTP 400): Rate exceeded [request id req-1]", e.Message);
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Signature", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_keeps_code_and_message()
    {
        var count = 0;
        using var server = new LocalHttpServer(_ =>
        {
            Interlocked.Increment(ref count);
            return Task.FromResult(new Response(400, "{\"message\":\"applicationId is invalid\"}",
                new Dictionary<string, string> { ["Content-Type"] = "application/json", ["x-amzn-ErrorType"] = "ValidationException:http://internal.amazon.com/" }));
        });
        var client = new AwsJsonClient(AwsService.EmrServerless, Options(server.Endpoint));

        var e = await Assert.ThrowsAsync<AwsServiceException>(() =>
            client.CallAsync(new AwsOperation("GetJobRun", "GET", "/applications/{applicationId}/jobruns/{jobRunId}"),
                new JsonObject { ["applicationId"] = "app", ["jobRunId"] = "run" }, default));

        Assert.Equal(1, count);
        Assert.Equal("ValidationException", e.Code);
        Assert.Equal("applicationId is invalid", e.ServiceMessage);
        Assert.False(e.IsThrottling);
    }

    [Fact]
    public async Task Rest_json_fills_labels_and_query_from_the_request_and_signs_the_encoded_path()
    {
        var seen = new ConcurrentQueue<LocalHttpServer.Request>();
        using var server = new LocalHttpServer(r =>
        {
            seen.Enqueue(r);
            return Task.FromResult(Response.Json(200, "{\"applicationId\":\"app 1\",\"jobRunId\":\"jr\"}"));
        });
        var client = new AwsJsonClient(AwsService.EmrServerless, Options(server.Endpoint));
        var start = new AwsOperation("StartJobRun", "POST", "/applications/{applicationId}/jobruns");
        var cancel = new AwsOperation("CancelJobRun", "DELETE", "/applications/{applicationId}/jobruns/{jobRunId}",
            new Dictionary<string, string> { ["shouldGracefullyCancel"] = "shouldGracefullyCancel" });
        var request = new JsonObject { ["applicationId"] = "app 1", ["name"] = "a/b", ["clientToken"] = "t" };

        await client.CallAsync(start, request, default);
        await client.CallAsync(cancel, new JsonObject { ["applicationId"] = "app 1", ["jobRunId"] = "jr", ["shouldGracefullyCancel"] = false }, default);

        var (post, delete) = (seen.ElementAt(0), seen.ElementAt(1));
        Assert.Equal(("POST", "/applications/app%201/jobruns"), (post.Method, post.RawUrl));
        Assert.Equal("{\"name\":\"a/b\",\"clientToken\":\"t\"}", post.Text);
        Assert.Equal("application/json", post.Header("Content-Type"));
        Assert.Null(post.Header("X-Amz-Target"));
        Assert.Equal(("DELETE", "/applications/app%201/jobruns/jr?shouldGracefullyCancel=false"), (delete.Method, delete.RawUrl));
        Assert.Empty(delete.Body);
        Assert.Null(SigV4Verifier.Check(post, Key, Secret, "emr-serverless"));
        Assert.Null(SigV4Verifier.Check(delete, Key, Secret, "emr-serverless"));
        Assert.Equal(3, request.Count); // the caller's request is not modified
    }

    [Fact]
    public async Task Cancellation_stops_the_backoff_wait()
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = new LocalHttpServer(_ =>
        {
            first.TrySetResult();
            return Task.FromResult(Throttled("ThrottlingException"));
        });
        var client = new AwsJsonClient(AwsService.SecretsManager, Options(server.Endpoint, baseDelay: TimeSpan.FromHours(1)));
        using var cts = new CancellationTokenSource();

        var call = client.CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = "s" }, cts.Token);
        await first.Task;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task Session_credentials_from_a_profile_sign_with_their_token()
    {
        var seen = new ConcurrentQueue<LocalHttpServer.Request>();
        using var server = new LocalHttpServer(r =>
        {
            seen.Enqueue(r);
            return Task.FromResult(Response.Json(200, "{}", "application/x-amz-json-1.1"));
        });
        using var home = new Dativo.Testing.TempDir();
        var file = home.File("credentials", "[etl]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = p\naws_session_token = tok\n");
        var env = new Dictionary<string, string>
        {
            ["AWS_SHARED_CREDENTIALS_FILE"] = file, ["AWS_PROFILE"] = "etl", ["AWS_REGION"] = "eu-west-2",
            ["AWS_ENDPOINT_URL_GLUE"] = server.Endpoint.ToString(),
        };
        var client = new AwsJsonClient(AwsService.Glue, new AwsClientOptions { Env = k => env.GetValueOrDefault(k) });

        await client.CallAsync("GetDatabases", new JsonObject(), default);

        var r = Assert.Single(seen);
        Assert.Null(SigV4Verifier.Check(r, "AKIDPROFILE", "p", "glue", sessionToken: "tok"));
        Assert.Equal("AWSGlue.GetDatabases", r.Header("X-Amz-Target"));
    }

    [Fact]
    public async Task Without_credentials_the_call_fails_at_once_with_how_to_fix()
    {
        using var home = new Dativo.Testing.TempDir();
        var client = new AwsJsonClient(AwsService.Emr, new AwsClientOptions
        {
            Region = "eu-west-2", Endpoint = new Uri("http://127.0.0.1:9/"),
            Env = k => k switch { "HOME" => home.Path, "AWS_SHARED_CREDENTIALS_FILE" => Path.Combine(home.Path, "none"), _ => null },
        });
        var e = await Assert.ThrowsAsync<AwsException>(() => client.CallAsync("ListClusters", new JsonObject(), default));
        Assert.Contains("no AWS credentials for EMR ListClusters: set AWS_ACCESS_KEY_ID", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, null, "https://emr-serverless.eu-west-2.amazonaws.com/")]
    [InlineData(null, "http://all:1/", null, "http://all:1/")]
    [InlineData(null, "http://all:1/", "http://emrs:2/", "http://emrs:2/")]
    [InlineData("http://explicit:3/", "http://all:1/", "http://emrs:2/", "http://explicit:3/")]
    public void The_endpoint_comes_from_config_then_the_service_variable_then_the_global_one(string? explicitUrl, string? all, string? service, string expected)
    {
        var env = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL"] = all, ["AWS_ENDPOINT_URL_EMR_SERVERLESS"] = service, ["AWS_REGION"] = "eu-west-2" };
        var client = new AwsJsonClient(AwsService.EmrServerless, new AwsClientOptions
        {
            Env = k => env.GetValueOrDefault(k),
            Endpoint = explicitUrl is null ? null : new Uri(explicitUrl),
        });
        Assert.Equal(expected, client.Endpoint.ToString());
        env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
        if (explicitUrl is null)
            Assert.Equal("https://emr-serverless.eu-west-2.amazonaws.com/", new AwsJsonClient(AwsService.EmrServerless, new AwsClientOptions { Env = k => env.GetValueOrDefault(k) }).Endpoint.ToString());
    }

    [Fact]
    public void Without_a_region_the_client_says_how_to_set_one()
    {
        var e = Assert.Throws<AwsException>(() => new AwsJsonClient(AwsService.SecretsManager, new AwsClientOptions { Env = _ => null }));
        Assert.Equal("no AWS region for Secrets Manager: set AWS_REGION (or the region setting of the feature that calls it)", e.Message);
    }

    [Fact]
    public void Full_jitter_stays_under_the_doubling_cap()
    {
        var random = new Random(1);
        for (var retry = 1; retry <= 12; retry++)
        {
            var cap = Math.Min(1000, 10 * Math.Pow(2, retry - 1));
            var delays = Enumerable.Range(0, 50).Select(_ => AwsRetry.FullJitter(retry, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1), random).TotalMilliseconds).ToList();
            Assert.All(delays, d => Assert.InRange(d, 0, cap));
            Assert.True(delays.Max() > cap / 2); // spread over the range, not a fixed wait
        }
    }
}
