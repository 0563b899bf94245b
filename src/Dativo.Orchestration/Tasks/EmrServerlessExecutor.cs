using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dativo.Aws;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Core.Tags;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// <c>type: emr_serverless</c>: one Spark job run per item on an EMR Serverless application.
/// <code>
/// job: jobs/{{ dataset }}.yaml             # optional: the run is tagged with this Dativo job's infrastructure tags
/// timeout: 15m                             # per attempt: the job run is cancelled when it is reached
/// with:
///   application_id: 00fabcdef1234567
///   execution_role_arn: arn:aws:iam::123456789012:role/emr-serverless-job
///   entry_point: s3://code/run_main.py
///   arguments: [--data_set, "{{ dataset }}"]
///   spark_submit_parameters: "--conf spark.executor.cores=4"   # optional
///   log_uri: s3://logs/                    # optional: S3 monitoring configuration
///   tags: {team: data}                     # optional, added to the job's tags
///   max_concurrent_runs: 50                # per application in this process (quota), default 50
///   poll_interval: 10s                     # first GetJobRun wait, growing ×1.5 up to max_poll_interval (1m)
///   cancel_wait: 2m                        # how long to wait for CANCELLED after CancelJobRun
///   region: eu-west-2                      # else AWS_REGION; endpoint: else AWS_ENDPOINT_URL_EMR_SERVERLESS
/// </code>
/// With <c>runner: dativo</c> (instead of <c>entry_point</c>), <c>staging: s3://bucket/prefix</c> and <c>spec: {...}</c>, Dativo's
/// Spark runner and the item's rendered spec are uploaded to the staging prefix (<see cref="EmrServerlessStaging"/>) and
/// the job run starts the runner with <c>--spec s3://.../specs/&lt;correlation&gt;/&lt;task&gt;/&lt;dataset&gt;.json</c> before <c>arguments</c>.
/// The run is named <c>&lt;dataset&gt;-&lt;correlation id&gt;</c> and submitted with a client token derived from the attempt's
/// idempotency key, so a repeated StartJobRun (network error, resume) returns the same run. FAILED fails the attempt
/// at once with the state details; timeout, run cancel and SIGTERM call CancelJobRun before the attempt returns.
/// Outputs: <c>job_run_id</c>, <c>application_id</c>, <c>state</c>, billed <c>vcpu_hours</c>,
/// <c>memory_gb_hours</c>, <c>storage_gb_hours</c>, <c>execution_seconds</c>.
/// </summary>
internal sealed class EmrServerlessExecutor : ITaskExecutor
{
    private const string HandlePrefix = "emr-serverless:";

    public void Validate(TaskDefinition task, TaskIssues issues) => EmrServerlessSettings.Validate(task, issues);

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(inv.LogPath)!);
        await using var writer = new StreamWriter(inv.LogPath, append: false) { AutoFlush = true };
        var gate = new Lock();
        void Log(string line)
        {
            lock (gate) writer.WriteLine($"{inv.Time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {line}");
        }

        EmrServerlessSettings settings;
        EmrServerlessApi api;
        JsonObject request;
        try
        {
            var errors = new List<string>();
            settings = EmrServerlessSettings.Read(inv, errors);
            if (errors.Count > 0) return TaskOutcome.Failed(string.Join("; ", errors));
            api = new EmrServerlessApi(new AwsJsonClient(AwsService.EmrServerless, new AwsClientOptions
            {
                Region = settings.Region,
                Endpoint = settings.Endpoint,
                Env = inv.Env,
                Time = inv.Time,
                Log = Log,
                MaxAttempts = 4,
                BaseDelay = Min(settings.PollInterval, TimeSpan.FromMilliseconds(200)),
                MaxDelay = settings.MaxPollInterval,
            }));
            if (settings.DativoRunner)
            {
                var (runner, spec) = await EmrServerlessStaging.UploadAsync(inv, settings, Log, ct);
                settings = settings with { EntryPoint = runner, Arguments = ["--spec", spec, .. settings.Arguments] };
            }
            request = BuildRequest(inv, settings);
        }
        catch (DativoException e)
        {
            Log(e.Message);
            return TaskOutcome.Failed(e.Message);
        }

        var run = new RemoteRun(api, settings, inv.Time, Log);
        using var slot = await JobRunSlots.For(api.Client.Endpoint.ToString(), settings.ApplicationId, settings.MaxConcurrentRuns).AcquireAsync(ct);
        try
        {
            if (await run.ReattachAsync(inv.PreviousHandle, ct) is { } finished) return finished;
            if (run.JobRunId is null)
            {
                Log($"StartJobRun {request["name"]} on application {settings.ApplicationId}");
                if (await run.SubmitAsync(request, ct) is { } refused) return refused;
                await inv.RecordHandleAsync(HandlePrefix + settings.ApplicationId + ":" + run.JobRunId, CancellationToken.None);
            }
            return await run.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await run.CancelAsync();
            throw;
        }
        catch (AwsException e)
        {
            Log(e.Message);
            await run.CancelAsync(); // the run's fate cannot be followed any more: do not leave it running
            return TaskOutcome.Failed(e.Message, run.Outputs());
        }
    }

    private static JsonObject BuildRequest(TaskInvocation inv, EmrServerlessSettings s)
    {
        var sparkSubmit = new JsonObject { ["entryPoint"] = s.EntryPoint };
        if (s.Arguments.Count > 0) sparkSubmit["entryPointArguments"] = new JsonArray([.. s.Arguments.Select(a => (JsonNode)a)]);
        if (!string.IsNullOrEmpty(s.SparkSubmitParameters)) sparkSubmit["sparkSubmitParameters"] = s.SparkSubmitParameters;
        var name = s.Name ?? $"{inv.Dataset ?? inv.Task.Name}-{inv.Run.CorrelationId}";
        var request = new JsonObject
        {
            ["applicationId"] = s.ApplicationId,
            ["clientToken"] = ClientToken(inv.IdempotencyKey),
            ["executionRoleArn"] = s.ExecutionRoleArn,
            ["name"] = name.Length > 256 ? name[..256] : name,
            ["jobDriver"] = new JsonObject { ["sparkSubmit"] = sparkSubmit },
            ["tags"] = Tags(inv, s),
        };
        if (!string.IsNullOrEmpty(s.LogUri))
            request["configurationOverrides"] = new JsonObject
            {
                ["monitoringConfiguration"] = new JsonObject { ["s3MonitoringConfiguration"] = new JsonObject { ["logUri"] = s.LogUri } },
            };
        // a server-side backstop: should this process die, the service still stops the run shortly after the task timeout
        if (Durations.ParseOrNull(inv.Task.Timeout) is { } timeout)
            request["executionTimeoutMinutes"] = (long)Math.Ceiling(timeout.TotalMinutes) + 5;
        return request;
    }

    /// <summary>The job's infrastructure tags (when the task names a Dativo job), then with.tags, then the run's own.</summary>
    private static JsonObject Tags(TaskInvocation inv, EmrServerlessSettings s)
    {
        var tags = new JsonObject();
        if (inv.Task.Job is { } job)
        {
            var loaded = JobLoader.Load(inv.ResolvePath(job, "job"), inv.Env);
            foreach (var (k, v) in InfrastructureTags.Derive(loaded)) tags[k] = v;
        }
        foreach (var (k, v) in s.Tags) tags[k] = v;
        tags["DativoPipeline"] = TagValue(inv.Run.Pipeline);
        tags["DativoCorrelationId"] = TagValue(inv.Run.CorrelationId);
        if (inv.Dataset is not null) tags["DativoDataset"] = TagValue(inv.Dataset);
        return tags;
    }

    private static string TagValue(string value)
    {
        var clean = new string([.. value.Select(c => char.IsAsciiLetterOrDigit(c) || " /_.:=+@-".Contains(c, StringComparison.Ordinal) ? c : '_')]);
        return clean.Length > 256 ? clean[..256] : clean;
    }

    /// <summary>Stable per attempt key, in the token's alphabet and length (64 hex characters).</summary>
    internal static string ClientToken(string idempotencyKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>One job run followed from submission to its end (or its cancellation).</summary>
    private sealed class RemoteRun(EmrServerlessApi api, EmrServerlessSettings settings, TimeProvider time, Action<string> log)
    {
        private JobRunStatus? _last;
        private bool _cancelled;

        public string? JobRunId { get; private set; }

        /// <summary>Follows the run an interrupted attempt submitted; returns its outcome if it already finished successfully.</summary>
        public async Task<TaskOutcome?> ReattachAsync(string? handle, CancellationToken ct)
        {
            if (handle is null || !handle.StartsWith(HandlePrefix, StringComparison.Ordinal)) return null;
            var parts = handle[HandlePrefix.Length..].Split(':');
            if (parts.Length != 2 || parts[0] != settings.ApplicationId) return null;
            var status = await api.GetJobRunAsync(parts[0], parts[1], ct);
            log($"the interrupted attempt's job run {parts[1]} is {status.State}");
            if (status.State == "SUCCESS")
            {
                JobRunId = parts[1];
                _last = status;
                return TaskOutcome.Ok(Outputs());
            }
            if (!status.IsTerminal && status.State != "CANCELLING") JobRunId = parts[1]; // still going: follow it instead of submitting again
            return null;
        }

        /// <summary>StartJobRun until accepted: throttling and unanswered calls are repeated with the same client token
        /// (each send runs to its end so a created run is never lost; the waits between sends stop on cancellation).</summary>
        public async Task<TaskOutcome?> SubmitAsync(JsonObject request, CancellationToken ct)
        {
            for (var retry = 1; ; retry++)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    using var send = new CancellationTokenSource(TimeSpan.FromMinutes(2), time);
                    JobRunId = await api.StartJobRunAsync(request, send.Token);
                    log($"job run {JobRunId} submitted");
                    ct.ThrowIfCancellationRequested();
                    return null;
                }
                catch (AwsServiceException e) when (e.IsThrottling || e.StatusCode >= 500)
                {
                    await BackOffAsync(retry, $"StartJobRun: {e.Code}", ct);
                }
                catch (AwsException e) when (e.Transient)
                {
                    await BackOffAsync(retry, $"StartJobRun: {e.Message}", ct);
                }
                catch (AwsServiceException e)
                {
                    log(e.Message);
                    return TaskOutcome.Failed(e.Message);
                }
            }
        }

        private async Task BackOffAsync(int retry, string why, CancellationToken ct)
        {
            var wait = Jitter(retry);
            log($"{why}; trying again in {wait.TotalMilliseconds:0} ms");
            await Task.Delay(wait, time, ct);
        }

        private TimeSpan Jitter(int retry)
        {
            var cap = Math.Min(settings.MaxPollInterval.TotalMilliseconds, settings.PollInterval.TotalMilliseconds * Math.Pow(2, Math.Min(retry - 1, 20)));
            return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
        }

        /// <summary>Polls GetJobRun (interval growing ×1.5, jittered) until the run ends; FAILED fails at once.</summary>
        public async Task<TaskOutcome> WaitAsync(CancellationToken ct)
        {
            var interval = settings.PollInterval;
            var started = time.GetTimestamp();
            for (var polls = 1; ; polls++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(interval.TotalMilliseconds * (0.8 + 0.4 * Random.Shared.NextDouble())), time, ct);
                JobRunStatus status;
                try
                {
                    status = await api.GetJobRunAsync(settings.ApplicationId, JobRunId!, ct);
                }
                catch (AwsServiceException e) when (e.IsThrottling || e.StatusCode >= 500)
                {
                    log($"GetJobRun: {e.Code}; polling more slowly");
                    interval = Grow(interval);
                    continue;
                }
                if (status.State != _last?.State || polls % 20 == 0)
                    log($"job run {JobRunId}: {status.State}{(status.StateDetails.Length > 0 ? " — " + status.StateDetails : "")} after {time.GetElapsedTime(started).TotalSeconds:0.#} s");
                _last = status;
                switch (status.State)
                {
                    case "SUCCESS":
                        log(status.DescribeBilling());
                        return TaskOutcome.Ok(Outputs());
                    case "FAILED":
                        log(status.DescribeBilling());
                        return TaskOutcome.Failed($"EMR Serverless job run {JobRunId} FAILED: {Details(status)}", Outputs());
                    case "CANCELLING" or "CANCELLED":
                        return TaskOutcome.Failed($"EMR Serverless job run {JobRunId} was cancelled outside this run ({status.State}): {Details(status)}", Outputs());
                    default:
                        interval = Grow(interval);
                        break;
                }
            }
        }

        private TimeSpan Grow(TimeSpan interval) => TimeSpan.FromTicks(Math.Min(settings.MaxPollInterval.Ticks, (long)(interval.Ticks * 1.5)));

        private static string Details(JobRunStatus s) => s.StateDetails.Length > 0 ? s.StateDetails : "no state details given";

        /// <summary>CancelJobRun, then wait (at most cancel_wait) until the service says CANCELLED. Never throws.</summary>
        public async Task CancelAsync()
        {
            if (JobRunId is null || _cancelled || _last?.IsTerminal == true) return;
            _cancelled = true;
            using var limit = new CancellationTokenSource(settings.CancelWait, time);
            try
            {
                await api.CancelJobRunAsync(settings.ApplicationId, JobRunId, limit.Token);
                log($"CancelJobRun {JobRunId} accepted");
                var interval = Min(settings.PollInterval, TimeSpan.FromSeconds(2));
                while (true)
                {
                    var status = await api.GetJobRunAsync(settings.ApplicationId, JobRunId, limit.Token);
                    _last = status;
                    if (status.IsTerminal)
                    {
                        log($"job run {JobRunId}: {status.State}; {status.DescribeBilling()}");
                        return;
                    }
                    await Task.Delay(interval, time, limit.Token);
                }
            }
            catch (OperationCanceledException)
            {
                log($"job run {JobRunId} was not CANCELLED within {Durations.Format(settings.CancelWait)} (last state {_last?.State}); the service finishes the cancellation");
            }
            catch (AwsException e)
            {
                log($"CancelJobRun {JobRunId} failed: {e.Message}");
            }
        }

        public Dictionary<string, string> Outputs()
        {
            var o = new Dictionary<string, string>(StringComparer.Ordinal) { ["application_id"] = settings.ApplicationId };
            if (JobRunId is not null) o["job_run_id"] = JobRunId;
            if (_last is not { } s) return o;
            o["state"] = s.State;
            if (s.BilledVcpuHours is { } v) o["vcpu_hours"] = v.ToString(CultureInfo.InvariantCulture);
            if (s.BilledMemoryGbHours is { } m) o["memory_gb_hours"] = m.ToString(CultureInfo.InvariantCulture);
            if (s.BilledStorageGbHours is { } st) o["storage_gb_hours"] = st.ToString(CultureInfo.InvariantCulture);
            if (s.ExecutionSeconds is { } e) o["execution_seconds"] = e.ToString(CultureInfo.InvariantCulture);
            return o;
        }
    }
}
