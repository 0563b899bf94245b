using System.Text;
using System.Text.Json.Nodes;
using Dativo.Aws.Testing;

namespace Dativo.Aws.Tests;

/// <summary>The botocore model checker and the model-checked server refuse what the real service would refuse.</summary>
public sealed class ModelCheckerTests
{
    private static readonly AwsOperation StartJobRun = BotocoreModel.Load("emr-serverless").Describe("StartJobRun");

    private static JsonObject ValidStart() => new()
    {
        ["applicationId"] = "00fabcdef1234567",
        ["clientToken"] = "run-1/ancient-woodland/1",
        ["executionRoleArn"] = "arn:aws:iam::123456789012:role/emr-serverless-job",
        ["name"] = "ancient-woodland-20260101",
        ["jobDriver"] = new JsonObject { ["sparkSubmit"] = new JsonObject { ["entryPoint"] = "s3://code/run.py", ["entryPointArguments"] = new JsonArray("--data_set", "ancient-woodland") } },
        ["tags"] = new JsonObject { ["team"] = "data" },
    };

    private static ModelCheckedAwsServer Server() => new("emr-serverless", (op, input) => op switch
    {
        "StartJobRun" => ModelAnswer.Ok(new JsonObject { ["applicationId"] = (string?)input["applicationId"], ["jobRunId"] = "00jobrun0000001", ["arn"] = "arn:aws:emr-serverless:eu-west-2:123456789012:/applications/a/jobruns/j" }),
        "ListJobRuns" => ModelAnswer.Ok(new JsonObject { ["jobRuns"] = new JsonArray() }),
        _ => ModelAnswer.Error("ValidationException", "not scripted"),
    });

    [Fact]
    public async Task A_valid_request_is_accepted_and_its_answer_checked()
    {
        using var server = Server();
        var client = new AwsJsonClient(AwsService.EmrServerless, server.ClientOptions());
        var answer = await client.CallAsync(StartJobRun, ValidStart(), default);
        Assert.Equal("00jobrun0000001", (string?)answer["jobRunId"]);
        Assert.Empty(server.Violations);
        Assert.Equal(1, server.Calls("StartJobRun"));
    }

    [Fact]
    public async Task A_request_missing_a_required_member_is_rejected()
    {
        using var server = Server();
        var client = new AwsJsonClient(AwsService.EmrServerless, server.ClientOptions());
        var request = ValidStart();
        request.Remove("executionRoleArn");

        var e = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallAsync(StartJobRun, request, default));

        Assert.Equal("RequestNotValidForModel", e.Code);
        Assert.Contains("StartJobRunRequest: required member 'executionRoleArn' is missing", Assert.Single(server.Violations), StringComparison.Ordinal);
        Assert.Equal(0, server.Calls("StartJobRun"));
    }

    [Fact]
    public async Task A_wrong_enum_value_is_rejected_in_the_query_and_in_the_body()
    {
        using var server = Server();
        var client = new AwsJsonClient(AwsService.EmrServerless, server.ClientOptions());
        var list = BotocoreModel.Load("emr-serverless").Describe("ListJobRuns");
        await client.CallAsync(list, new JsonObject { ["applicationId"] = "app1", ["states"] = new JsonArray("RUNNING", "QUEUED") }, default);
        Assert.Empty(server.Violations);

        await Assert.ThrowsAsync<AwsServiceException>(() => client.CallAsync(list, new JsonObject { ["applicationId"] = "app1", ["states"] = new JsonArray("RUNNING", "DONE") }, default));
        Assert.Contains("ListJobRunsRequest.states[1]: 'DONE' is not one of SUBMITTED, PENDING, SCHEDULED, RUNNING, SUCCESS, FAILED, CANCELLING, CANCELLED, QUEUED",
            Assert.Single(server.Violations), StringComparison.Ordinal);

        var request = ValidStart();
        request["mode"] = "NIGHTLY";
        await Assert.ThrowsAsync<AwsServiceException>(() => client.CallAsync(StartJobRun, request, default));
        Assert.Contains(server.Violations, v => v.Contains("StartJobRunRequest.mode: 'NIGHTLY' is not one of BATCH, STREAMING", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_operation_is_rejected_for_both_protocols()
    {
        using var secrets = new ModelCheckedAwsServer("secretsmanager", (_, _) => ModelAnswer.Ok([]));
        var sm = new AwsJsonClient(AwsService.SecretsManager, secrets.ClientOptions());
        var e = await Assert.ThrowsAsync<AwsServiceException>(() => sm.CallAsync("GetSecret", new JsonObject { ["SecretId"] = "x" }, default));
        Assert.Equal("RequestNotValidForModel", e.Code);
        Assert.Contains("unknown operation 'GetSecret' for Secrets Manager", Assert.Single(secrets.Violations), StringComparison.Ordinal);

        using var emrs = Server();
        var client = new AwsJsonClient(AwsService.EmrServerless, emrs.ClientOptions());
        await Assert.ThrowsAsync<AwsServiceException>(() => client.CallAsync(new AwsOperation("PauseJobRun", "POST", "/applications/{applicationId}/jobruns/{jobRunId}/pause"),
            new JsonObject { ["applicationId"] = "a", ["jobRunId"] = "j" }, default));
        Assert.Contains("no EMR Serverless operation is POST /applications/a/jobruns/j/pause", Assert.Single(emrs.Violations), StringComparison.Ordinal);
    }

    [Fact]
    public void Types_lengths_unknown_members_unions_and_misplaced_members_are_refused()
    {
        var model = BotocoreModel.Load("emr-serverless");
        var request = ValidStart();
        request["name"] = new string('n', 257);
        request["executionTimeoutMinutes"] = "60";
        request["priority"] = 1;
        request["jobDriver"] = new JsonObject { ["sparkSubmit"] = new JsonObject { ["entryPoint"] = "s3://a" }, ["hive"] = new JsonObject { ["query"] = "q" } };
        var problems = model.CheckShape("StartJobRunRequest", request);
        Assert.Contains("StartJobRunRequest.name: 257 characters, the maximum is 256", problems);
        Assert.Contains("StartJobRunRequest.executionTimeoutMinutes: expected an integer, got \"60\"", problems);
        Assert.Contains("StartJobRunRequest: unknown member 'priority' (not in StartJobRunRequest)", problems);
        Assert.Contains("StartJobRunRequest.jobDriver: a union (JobDriver) sets exactly one member, got 2", problems);

        // a URI member sent in the body, and the json protocol's content type and target header
        var body = Encoding.UTF8.GetBytes(new JsonObject { ["applicationId"] = "a", ["clientToken"] = "t", ["executionRoleArn"] = "arn:aws:iam::1:role/r" }.ToJsonString());
        var rest = new LocalHttpServer.Request("POST", "/applications/a/jobruns", new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/json" }, body);
        Assert.Contains("StartJobRun: member 'applicationId' belongs in the uri, not the body", model.CheckRequest(rest).Problems);
        var json = new LocalHttpServer.Request("POST", "/", new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = "application/json", ["X-Amz-Target"] = "secretsmanager.GetSecretValue",
        }, Encoding.UTF8.GetBytes("{\"SecretId\":\"x\"}"));
        Assert.Equal(["Content-Type must be application/x-amz-json-1.1, got 'application/json'"], BotocoreModel.Load("secretsmanager").CheckRequest(json).Problems);
    }

    [Fact]
    public void Answers_are_checked_against_the_output_shape()
    {
        var model = BotocoreModel.Load("emr-serverless");
        var problems = model.CheckResponse("GetJobRun", new JsonObject { ["jobRun"] = new JsonObject { ["applicationId"] = "a", ["state"] = "DONE" } });
        Assert.Contains("GetJobRun output.jobRun: required member 'jobRunId' is missing", problems);
        Assert.Contains("GetJobRun output.jobRun.state: 'DONE' is not one of SUBMITTED, PENDING, SCHEDULED, RUNNING, SUCCESS, FAILED, CANCELLING, CANCELLED, QUEUED", problems);
    }

    [Theory]
    [InlineData("emr-serverless", "EMR Serverless")]
    [InlineData("emr", "EMR")]
    [InlineData("secretsmanager", "Secrets Manager")]
    [InlineData("glue", "Glue")]
    [InlineData("kinesis", "Kinesis")]
    [InlineData("firehose", "Firehose")]
    [InlineData("cloudwatch", "CloudWatch")]
    public void The_client_service_descriptors_agree_with_the_models(string model, string serviceId)
    {
        var m = BotocoreModel.Load(model);
        var service = new[] { AwsService.EmrServerless, AwsService.Emr, AwsService.SecretsManager, AwsService.Glue, AwsService.Kinesis, AwsService.Firehose, AwsService.CloudWatch }
            .Single(s => s.ServiceId == serviceId);
        Assert.Equal(m.ServiceId, service.ServiceId);
        Assert.Equal(m.SigningName, service.SigningName);
        Assert.Equal(m.Protocol == "json" ? AwsProtocol.Json : AwsProtocol.RestJson, service.Protocol);
        if (service.Protocol == AwsProtocol.Json)
        {
            Assert.Equal(m.TargetPrefix, service.TargetPrefix);
            Assert.Equal(m.JsonVersion, service.JsonVersion);
        }
        Assert.NotEmpty(m.OperationNames);
    }
}
