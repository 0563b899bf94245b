using System.Globalization;
using System.Text.Json.Nodes;

namespace Dativo.Aws;

/// <summary>The EMR Serverless job-run calls Dativo makes (rest-json; routes from the botocore model's http traits).</summary>
public sealed class EmrServerlessApi(AwsJsonClient client)
{
    public static readonly AwsOperation StartJobRunOp = new("StartJobRun", "POST", "/applications/{applicationId}/jobruns");
    public static readonly AwsOperation GetJobRunOp = new("GetJobRun", "GET", "/applications/{applicationId}/jobruns/{jobRunId}",
        new Dictionary<string, string> { ["attempt"] = "attempt" });
    public static readonly AwsOperation CancelJobRunOp = new("CancelJobRun", "DELETE", "/applications/{applicationId}/jobruns/{jobRunId}",
        new Dictionary<string, string> { ["shutdownGracePeriodInSeconds"] = "shutdownGracePeriodInSeconds" });

    public AwsJsonClient Client { get; } = client;

    /// <summary>Starts a job run; <paramref name="request"/> holds the StartJobRun members (applicationId, clientToken, …). Returns the job run id.</summary>
    public async Task<string> StartJobRunAsync(JsonObject request, CancellationToken ct)
    {
        var answer = await Client.CallAsync(StartJobRunOp, request, ct).ConfigureAwait(false);
        return (string?)answer["jobRunId"] ?? throw new AwsException("EMR Serverless StartJobRun answered without a jobRunId");
    }

    public async Task<JobRunStatus> GetJobRunAsync(string applicationId, string jobRunId, CancellationToken ct)
    {
        var answer = await Client.CallAsync(GetJobRunOp, new JsonObject { ["applicationId"] = applicationId, ["jobRunId"] = jobRunId }, ct).ConfigureAwait(false);
        return JobRunStatus.From(answer["jobRun"] as JsonObject ?? throw new AwsException("EMR Serverless GetJobRun answered without a jobRun"));
    }

    public Task CancelJobRunAsync(string applicationId, string jobRunId, CancellationToken ct) =>
        Client.CallAsync(CancelJobRunOp, new JsonObject { ["applicationId"] = applicationId, ["jobRunId"] = jobRunId }, ct);
}

/// <summary>What GetJobRun says about a run: state, details and (once finished) the billed resources.</summary>
public sealed record JobRunStatus(string State, string StateDetails, double? BilledVcpuHours, double? BilledMemoryGbHours, double? BilledStorageGbHours,
    long? ExecutionSeconds)
{
    public static readonly string[] States = ["SUBMITTED", "PENDING", "SCHEDULED", "QUEUED", "RUNNING", "SUCCESS", "FAILED", "CANCELLING", "CANCELLED"];

    public bool IsTerminal => State is "SUCCESS" or "FAILED" or "CANCELLED";

    internal static JobRunStatus From(JsonObject run)
    {
        var billed = run["billedResourceUtilization"] as JsonObject;
        return new JobRunStatus(
            (string?)run["state"] ?? "UNKNOWN",
            (string?)run["stateDetails"] ?? "",
            Number(billed?["vCPUHour"]), Number(billed?["memoryGBHour"]), Number(billed?["storageGBHour"]),
            run["totalExecutionDurationSeconds"] is JsonValue d && d.TryGetValue<long>(out var s) ? s : null);
    }

    public string DescribeBilling() => BilledVcpuHours is null && BilledMemoryGbHours is null
        ? "no billed resource utilization reported"
        : string.Create(CultureInfo.InvariantCulture, $"billed {BilledVcpuHours ?? 0:0.####} vCPU-hours, {BilledMemoryGbHours ?? 0:0.####} memory GB-hours, {BilledStorageGbHours ?? 0:0.####} storage GB-hours");

    private static double? Number(JsonNode? n) => n is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
}
