using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;

namespace Dativo.Aws;

/// <summary>
/// Calls one AWS service over its JSON protocol (json 1.0/1.1 with <c>X-Amz-Target</c>, or rest-json), signed with
/// SigV4. Throttling (and HTTP 429), 5xx and network errors are retried with full-jitter backoff; cancellation stops
/// the wait and the attempt at once. Failures surface as <see cref="AwsException"/> / <see cref="AwsServiceException"/>.
/// Thread-safe: one instance per service and region serves many concurrent calls.
/// </summary>
public sealed class AwsJsonClient
{
    private static readonly HttpClient SharedHttp = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly AwsClientOptions _options;
    private readonly Lazy<AWSCredentials?> _credentials;

    public AwsJsonClient(AwsService service, AwsClientOptions? options = null)
    {
        Service = service;
        _options = options ?? new AwsClientOptions();
        var env = _options.Env;
        Region = FirstNonEmpty(_options.Region, env("AWS_REGION"), env("AWS_DEFAULT_REGION"))
            ?? throw new AwsException($"no AWS region for {service.ServiceId}: set AWS_REGION (or the region setting of the feature that calls it)");
        Endpoint = ResolveEndpoint(service, Region, _options);
        _credentials = new Lazy<AWSCredentials?>(() => _options.Credentials ?? AwsCredentialChain.Resolve(env), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public AwsService Service { get; }

    public string Region { get; }

    public Uri Endpoint { get; }

    /// <summary>A json-protocol operation (X-Amz-Target).</summary>
    public Task<JsonObject> CallAsync(string operation, JsonObject request, CancellationToken ct) => CallAsync(AwsOperation.Rpc(operation), request, ct);

    /// <summary>Sends <paramref name="request"/> (not modified) and returns the answer's JSON object (empty when the body is).</summary>
    public async Task<JsonObject> CallAsync(AwsOperation operation, JsonObject request, CancellationToken ct)
    {
        var wire = AwsWireRequest.Build(Service, operation, request, Endpoint);
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            string failure;
            try
            {
                var answer = await SendOnceAsync(operation, wire, ct).ConfigureAwait(false);
                if (answer.Status is >= 200 and < 300) return ParseSuccess(operation, answer.Body);
                var error = AwsErrorAnswer.Parse(Service, operation.Name, answer);
                if (attempt >= _options.MaxAttempts || !AwsRetry.IsRetryable(error.StatusCode, error.Code)) throw error;
                failure = $"{error.Code} (HTTP {error.StatusCode})";
            }
            catch (HttpRequestException e)
            {
                if (attempt >= _options.MaxAttempts)
                    throw new AwsException($"cannot reach {Service.ServiceId} at {Endpoint} ({operation.Name}) after {attempt} attempts: {e.Message}", e) { Transient = true };
                failure = e.Message;
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                if (attempt >= _options.MaxAttempts)
                    throw new AwsException($"{Service.ServiceId} at {Endpoint} did not answer {operation.Name} within {_options.AttemptTimeout.TotalSeconds:0.#} s, {attempt} attempts", e) { Transient = true };
                failure = $"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s";
            }
            var delay = AwsRetry.FullJitter(attempt, _options.BaseDelay, _options.MaxDelay, _options.Random);
            _options.Log?.Invoke($"{Service.ServiceId} {operation.Name}: {failure}; retry {attempt} of {_options.MaxAttempts - 1} in {delay.TotalMilliseconds:0} ms");
            await Task.Delay(delay, _options.Time, ct).ConfigureAwait(false);
        }
    }

    private async Task<AwsAnswer> SendOnceAsync(AwsOperation operation, AwsWireRequest wire, CancellationToken ct)
    {
        var identity = _credentials.Value
            ?? throw new AwsException($"no AWS credentials for {Service.ServiceId} {operation.Name}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a shared credentials file, or run with an instance role");
        ImmutableCredentials creds;
        try
        {
            creds = await identity.GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (AmazonClientException e)
        {
            throw new AwsException($"cannot obtain AWS credentials for {Service.ServiceId} {operation.Name}: {e.Message}", e);
        }

        var now = _options.Time.GetUtcNow();
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var uri = new Uri(Endpoint, wire.PathAndQuery);
        var host = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
        var headers = new List<(string Name, string Value)> { ("host", host), ("x-amz-date", amzDate) };
        if (wire.Body.Length > 0) headers.Add(("content-type", Service.ContentType));
        if (wire.Target is not null) headers.Add(("x-amz-target", wire.Target));
        var token = string.IsNullOrEmpty(creds.Token) ? null : creds.Token;
        if (token is not null) headers.Add(("x-amz-security-token", token));
        var signed = SigV4Signer.Sign(wire.Method, uri.AbsolutePath, uri.Query, headers, wire.Body,
            new SigV4Signer.Credentials(creds.AccessKey, creds.SecretKey, token), Region, Service.SigningName, now);

        using var message = new HttpRequestMessage(new HttpMethod(wire.Method), uri);
        if (wire.Body.Length > 0)
        {
            message.Content = new ByteArrayContent(wire.Body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue(Service.ContentType);
        }
        message.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (wire.Target is not null) message.Headers.TryAddWithoutValidation("X-Amz-Target", wire.Target);
        if (token is not null) message.Headers.TryAddWithoutValidation("X-Amz-Security-Token", token);
        message.Headers.TryAddWithoutValidation("Authorization", signed.Authorization);

        using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attemptCts.CancelAfter(_options.AttemptTimeout);
        using var response = await (_options.Http ?? SharedHttp).SendAsync(message, attemptCts.Token).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(attemptCts.Token).ConfigureAwait(false);
        var errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.FirstOrDefault() : null;
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        return new AwsAnswer((int)response.StatusCode, body, errorType, requestId);
    }

    private JsonObject ParseSuccess(AwsOperation operation, string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return [];
        try
        {
            return JsonNode.Parse(body) as JsonObject
                ?? throw new AwsException($"{Service.ServiceId} {operation.Name} answered with JSON that is not an object");
        }
        catch (JsonException e)
        {
            throw new AwsException($"{Service.ServiceId} {operation.Name} answered with a body that is not JSON: {e.Message}", e);
        }
    }

    private static Uri ResolveEndpoint(AwsService service, string region, AwsClientOptions options)
    {
        if (options.Endpoint is not null) return options.Endpoint;
        var env = options.Env;
        var ignore = string.Equals(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase);
        var configured = ignore ? null : FirstNonEmpty(env(service.EndpointVariable), env("AWS_ENDPOINT_URL"));
        if (configured is not null)
            return Uri.TryCreate(configured, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
                ? u
                : throw new AwsException($"the endpoint for {service.ServiceId} ('{configured}', from {service.EndpointVariable} or AWS_ENDPOINT_URL) is not an http(s) URL");
        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://{service.EndpointPrefix}.{region}.{suffix}/");
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));
}

internal sealed record AwsAnswer(int Status, string Body, string? ErrorTypeHeader, string? RequestId);
