using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Amazon.Runtime;

namespace Dativo.Aws.Testing;

/// <summary>What a scripted operation answers: an output object (checked against the model) or an AWS error.</summary>
internal sealed record ModelAnswer(JsonObject? Output, string? ErrorCode = null, string? ErrorMessage = null, int Status = 400)
{
    public static ModelAnswer Ok(JsonObject output) => new(output);

    public static ModelAnswer Error(string code, string message, int status = 400) => new(null, code, message, status);

    public static ModelAnswer Throttled() => Error("ThrottlingException", "Rate exceeded", 400);
}

/// <summary>
/// A local AWS endpoint (127.0.0.1, free port) that accepts only requests valid under a botocore model and correctly
/// signed with <see cref="AccessKey"/>/<see cref="SecretKey"/>. Valid calls go to the scripted handler (a state machine
/// per operation); invalid ones are answered 400 <c>RequestNotValidForModel</c> and recorded in <see cref="Violations"/>,
/// which a test asserts empty. Answers are checked against the operation's output shape too.
/// </summary>
internal sealed class ModelCheckedAwsServer : IDisposable
{
    public const string AccessKey = "AKIDMODELCHECKED";
    public const string SecretKey = "model-checked-secret";
    public const string Region = "eu-west-2";

    private readonly LocalHttpServer _http;
    private readonly Func<string, JsonObject, ModelAnswer> _handler;
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    private readonly string _accessKey;
    private readonly string _secretKey;

    /// <param name="credentials">the key pair requests must be signed with (default <see cref="AccessKey"/>/<see cref="SecretKey"/>),
    /// e.g. the one of another local service the same process calls with one AWS environment</param>
    public ModelCheckedAwsServer(string model, Func<string, JsonObject, ModelAnswer> handler, (string AccessKey, string SecretKey)? credentials = null)
    {
        (_accessKey, _secretKey) = credentials ?? (AccessKey, SecretKey);
        Model = BotocoreModel.Load(model);
        _handler = handler;
        _http = new LocalHttpServer(ServeAsync);
    }

    public BotocoreModel Model { get; }

    public Uri Endpoint => _http.Endpoint;

    public IReadOnlyCollection<string> Violations => _violations;

    /// <summary>Fails the test with every request (or scripted answer) the model refused, in full.</summary>
    public void AssertValid()
    {
        if (!_violations.IsEmpty)
            throw new Xunit.Sdk.XunitException($"{_violations.Count} request(s)/answer(s) not valid for the {Model.Name} model:\n" + string.Join("\n", _violations.Take(10)));
    }

    public int Calls(string operation) => _calls.GetValueOrDefault(operation);

    /// <summary>Client options that reach this server with its credentials, fast retries and no environment.</summary>
    public AwsClientOptions ClientOptions(Action<string>? log = null) => new()
    {
        Region = Region,
        Endpoint = Endpoint,
        Credentials = new BasicAWSCredentials(_accessKey, _secretKey),
        Env = _ => null,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromMilliseconds(20),
        Log = log,
    };

    /// <summary>Environment variables that point the AWS chain and endpoint lookup of a process at this server.</summary>
    public IReadOnlyDictionary<string, string> Environment(string endpointVariable) => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = _accessKey,
        ["AWS_SECRET_ACCESS_KEY"] = _secretKey,
        ["AWS_REGION"] = Region,
        [endpointVariable] = Endpoint.ToString(),
    };

    private Task<LocalHttpServer.Response> ServeAsync(LocalHttpServer.Request request)
    {
        var problems = new List<string>();
        if (SigV4Verifier.Check(request, _accessKey, _secretKey, Model.SigningName) is { } signature) problems.Add(signature);
        var (operation, input, modelProblems) = Model.CheckRequest(request);
        problems.AddRange(modelProblems);
        if (problems.Count > 0 || operation is null)
        {
            var text = $"{request.Method} {request.RawUrl} ({operation ?? "no operation"}): {string.Join("; ", problems)}";
            _violations.Enqueue(text);
            return Task.FromResult(Error(400, "RequestNotValidForModel", text));
        }
        _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        ModelAnswer answer;
        try
        {
            answer = _handler(operation, input);
        }
        catch (Exception e)
        {
            _violations.Enqueue($"{operation}: the scripted handler failed: {e.Message}");
            return Task.FromResult(Error(500, "InternalServerException", e.Message));
        }
        if (answer.ErrorCode is not null) return Task.FromResult(Error(answer.Status, answer.ErrorCode, answer.ErrorMessage ?? ""));
        var output = answer.Output ?? [];
        foreach (var p in Model.CheckResponse(operation, output)) _violations.Enqueue($"{operation} answer (a test script bug): {p}");
        return Task.FromResult(LocalHttpServer.Response.Json(200, output.ToJsonString(), ContentType));
    }

    private string ContentType => Model.Protocol == "json" ? "application/x-amz-json-" + Model.JsonVersion : "application/json";

    private LocalHttpServer.Response Error(int status, string code, string message) => new(status,
        Model.Protocol == "json" ? new JsonObject { ["__type"] = code, ["message"] = message }.ToJsonString() : new JsonObject { ["message"] = message }.ToJsonString(),
        new Dictionary<string, string> { ["Content-Type"] = ContentType, ["x-amzn-ErrorType"] = code, ["x-amzn-RequestId"] = Guid.NewGuid().ToString() });

    public void Dispose() => _http.Dispose();
}
