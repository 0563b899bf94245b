using System.Text.Json.Nodes;
using Dativo.Aws;
using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks.EmrCluster;

/// <summary>
/// <c>type: emr_cluster</c>: runs steps on an EMR cluster.
/// <code>
/// with:
///   config_dir: emr/cyi                 # cluster.yaml, instances.yaml [, configurations.yaml, steps.yaml]: the RunJobFlow request
///   overrides: {Instances: {InstanceFleets: …}}          # deep merge (maps merged, lists and values replaced)
///   extend: {"Configurations": [{Classification: spark-defaults, Properties: {…}}]}   # append at a dotted path
///   additional_step_args: {run-cyi: [--start_date, "{{ params.start_date }}"]}        # extra Args of named steps
///   run_args: true                      # append --correlation_id C --export_date D to every step (the launcher's contract)
///   tags: {team: data}                  # cluster tags, with Correlation_Id and export_date always added
///   cluster_id: j-…                     # optional: add the steps of steps.yaml to this running cluster instead
///   poll_interval: 30s                  # growing ×1.5 up to max_poll_interval (2m); cancel_wait: 5m
///   region: eu-west-2                   # else AWS_REGION; endpoint: else AWS_ENDPOINT_URL_EMR
/// </code>
/// Without <c>cluster_id</c> a cluster is started with RunJobFlow (transient unless the config keeps it alive), its id
/// recorded before waiting, and its steps followed until it ends; the attempt succeeds when every step completed.
/// Timeout, run cancel and SIGTERM terminate exactly the cluster this attempt started — never "every cluster whose name
/// matches" — or, on a cluster given by id, cancel exactly the steps it added. A resumed attempt re-attaches to the
/// cluster it recorded instead of starting a second one.
/// Outputs: <c>cluster_id</c>, <c>state</c>, <c>steps_completed</c>, <c>steps_failed</c>.
/// </summary>
internal sealed class EmrClusterExecutor : ITaskExecutor
{
    private const string ClusterHandle = "emr-cluster:";
    private const string StepsHandle = "emr-steps:";
    private static readonly string[] TerminatedStates = ["TERMINATED", "TERMINATED_WITH_ERRORS"];
    private static readonly string[] StepDoneStates = ["COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED"];

    public void Validate(TaskDefinition task, TaskIssues issues) => EmrClusterSettings.Validate(task, issues);

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(inv.LogPath)!);
        await using var writer = new StreamWriter(inv.LogPath, append: false) { AutoFlush = true };
        var gate = new Lock();
        void Log(string line)
        {
            lock (gate) writer.WriteLine($"{inv.Time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {line}");
        }

        EmrClusterSettings settings;
        AwsJsonClient emr;
        try
        {
            var errors = new List<string>();
            settings = EmrClusterSettings.Read(inv, errors);
            if (errors.Count > 0) return Failed(Log, string.Join("; ", errors));
            emr = new AwsJsonClient(AwsService.Emr, new AwsClientOptions
            {
                Region = settings.Region, Endpoint = settings.Endpoint, Env = inv.Env, Time = inv.Time, Log = Log,
            });
        }
        catch (DativoException e)
        {
            return Failed(Log, e.Message);
        }

        try
        {
            return settings.ClusterId is { } existing
                ? await RunStepsOnClusterAsync(inv, settings, emr, existing, Log, ct).ConfigureAwait(false)
                : await RunClusterAsync(inv, settings, emr, Log, ct).ConfigureAwait(false);
        }
        catch (DativoException e) when (!ct.IsCancellationRequested)
        {
            return Failed(Log, e.Message);
        }
    }

    private static async Task<TaskOutcome> RunClusterAsync(TaskInvocation inv, EmrClusterSettings s, AwsJsonClient emr, Action<string> log, CancellationToken ct)
    {
        var clusterId = await ReattachAsync(inv, emr, log, ct).ConfigureAwait(false);
        if (clusterId is null)
        {
            var request = BuildRequest(inv, s);
            var answer = await emr.CallAsync("RunJobFlow", request, ct).ConfigureAwait(false);
            clusterId = answer["JobFlowId"]?.GetValue<string>() ?? throw new DativoException("EMR RunJobFlow answered without a JobFlowId");
            log($"started cluster {clusterId} ({request["Name"]}, {ClusterConfig.Steps(request).Count()} step(s))");
            await inv.RecordHandleAsync(ClusterHandle + clusterId, CancellationToken.None).ConfigureAwait(false);
        }

        var delay = s.PollInterval;
        var lastState = "";
        var stepStates = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            while (true)
            {
                var cluster = (await emr.CallAsync("DescribeCluster", new JsonObject { ["ClusterId"] = clusterId }, ct).ConfigureAwait(false))["Cluster"];
                var state = cluster?["Status"]?["State"]?.GetValue<string>() ?? "";
                if (state != lastState) log($"cluster {clusterId}: {state}{Reason(cluster?["Status"]?["StateChangeReason"])}");
                lastState = state;
                var steps = await ListStepsAsync(emr, clusterId, null, ct).ConfigureAwait(false);
                LogStepChanges(steps, stepStates, log);
                if (TerminatedStates.Contains(state) || (state == "WAITING" && steps.Count > 0 && steps.All(x => StepDoneStates.Contains(x.State))))
                    return Outcome(clusterId, state, cluster?["Status"]?["StateChangeReason"], steps, log);
                await Task.Delay(delay, inv.Time, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(s.MaxPollInterval.Ticks, (long)(delay.Ticks * 1.5)));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await TerminateAsync(inv, s, emr, clusterId, log).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<TaskOutcome> RunStepsOnClusterAsync(TaskInvocation inv, EmrClusterSettings s, AwsJsonClient emr, string clusterId, Action<string> log, CancellationToken ct)
    {
        List<string> stepIds;
        if (inv.PreviousHandle is { } h && h.StartsWith(StepsHandle + clusterId + ":", StringComparison.Ordinal))
        {
            stepIds = [.. h[(StepsHandle.Length + clusterId.Length + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries)];
            log($"re-attached to steps {string.Join(", ", stepIds)} on cluster {clusterId}");
        }
        else
        {
            var steps = StepsOnly(inv, s);
            var answer = await emr.CallAsync("AddJobFlowSteps", new JsonObject { ["JobFlowId"] = clusterId, ["Steps"] = steps }, ct).ConfigureAwait(false);
            stepIds = [.. (answer["StepIds"] as JsonArray ?? []).Select(x => x!.GetValue<string>())];
            log($"added {stepIds.Count} step(s) to cluster {clusterId}: {string.Join(", ", stepIds)}");
            await inv.RecordHandleAsync($"{StepsHandle}{clusterId}:{string.Join(',', stepIds)}", CancellationToken.None).ConfigureAwait(false);
        }

        var delay = s.PollInterval;
        var stepStates = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            while (true)
            {
                var steps = await ListStepsAsync(emr, clusterId, stepIds, ct).ConfigureAwait(false);
                LogStepChanges(steps, stepStates, log);
                if (steps.Count == stepIds.Count && steps.All(x => StepDoneStates.Contains(x.State)))
                    return Outcome(clusterId, "steps done", null, steps, log);
                await Task.Delay(delay, inv.Time, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(s.MaxPollInterval.Ticks, (long)(delay.Ticks * 1.5)));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            using var wait = new CancellationTokenSource(s.CancelWait);
            try
            {
                await emr.CallAsync("CancelSteps", new JsonObject
                {
                    ["ClusterId"] = clusterId,
                    ["StepIds"] = new JsonArray([.. stepIds.Select(x => (JsonNode)x)]),
                    ["StepCancellationOption"] = "SEND_INTERRUPT",
                }, wait.Token).ConfigureAwait(false);
                log($"cancelled step(s) {string.Join(", ", stepIds)} on cluster {clusterId}; the cluster itself is left running");
            }
            catch (Exception e) when (e is DativoException or OperationCanceledException)
            {
                log($"could not cancel step(s) {string.Join(", ", stepIds)} on cluster {clusterId}: {e.Message}");
            }
            throw;
        }
    }

    /// <summary>The RunJobFlow request: the config files, then overrides, extend, extra step args, the run's args and tags.</summary>
    private static JsonObject BuildRequest(TaskInvocation inv, EmrClusterSettings s)
    {
        var request = ClusterConfig.Load(s.ConfigDir);
        if (s.Overrides is { } o) ClusterConfig.Merge(request, o);
        if (s.Extend is { } ext)
            foreach (var (path, items) in ext) ClusterConfig.Extend(request, path, (JsonArray)items!);
        AddStepArgs(inv, s, request);
        if (request["Instances"] is JsonObject instances && instances["KeepJobFlowAliveWhenNoSteps"] is null)
            instances["KeepJobFlowAliveWhenNoSteps"] = false; // transient unless the config says otherwise
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in (request["Tags"] as JsonArray ?? []).OfType<JsonObject>())
            if (t["Key"]?.GetValue<string>() is { } k) tags[k] = t["Value"]?.GetValue<string>() ?? "";
        foreach (var (k, v) in s.Tags) tags[k] = v;
        tags["Correlation_Id"] = inv.Run.CorrelationId;
        if (inv.Run.ExportDate is { } d) tags["export_date"] = d;
        request["Tags"] = new JsonArray([.. tags.Select(kv => (JsonNode)new JsonObject { ["Key"] = kv.Key, ["Value"] = kv.Value })]);
        return request;
    }

    private static JsonArray StepsOnly(TaskInvocation inv, EmrClusterSettings s)
    {
        var path = Path.Combine(s.ConfigDir, "steps.yaml");
        if (!File.Exists(path)) throw new DativoException($"{path} is missing: a task with cluster_id adds the steps of steps.yaml to that cluster");
        if (ClusterConfig.ToJson(Core.Config.Yaml.YamlFile.Load(path)) is not JsonObject { } part || part["Steps"] is not JsonArray)
            throw new DativoException($"{path}: write the steps under a Steps: list");
        AddStepArgs(inv, s, part);
        return (JsonArray)part["Steps"]!.DeepClone();
    }

    private static void AddStepArgs(TaskInvocation inv, EmrClusterSettings s, JsonObject request)
    {
        if (s.AdditionalStepArgs is { } more)
            foreach (var (step, args) in more)
                ClusterConfig.AddStepArgs(request, step, (args as JsonArray ?? []).Select(a => a?.GetValue<string>() ?? ""));
        if (s.RunArgs)
        {
            List<string> args = ["--correlation_id", inv.Run.CorrelationId];
            if (inv.Run.ExportDate is { } d) args.AddRange(["--export_date", d]);
            ClusterConfig.AddArgsToEveryStep(request, args);
        }
    }

    /// <summary>The cluster a previous, interrupted attempt started, while it is still running.</summary>
    private static async Task<string?> ReattachAsync(TaskInvocation inv, AwsJsonClient emr, Action<string> log, CancellationToken ct)
    {
        if (inv.PreviousHandle is not { } h || !h.StartsWith(ClusterHandle, StringComparison.Ordinal)) return null;
        var id = h[ClusterHandle.Length..];
        var cluster = (await emr.CallAsync("DescribeCluster", new JsonObject { ["ClusterId"] = id }, ct).ConfigureAwait(false))["Cluster"];
        var state = cluster?["Status"]?["State"]?.GetValue<string>();
        if (state is null || TerminatedStates.Contains(state)) return null;
        log($"re-attached to cluster {id} ({state}) started by an earlier attempt");
        return id;
    }

    private static async Task TerminateAsync(TaskInvocation inv, EmrClusterSettings s, AwsJsonClient emr, string clusterId, Action<string> log)
    {
        using var wait = new CancellationTokenSource(s.CancelWait);
        try
        {
            await emr.CallAsync("TerminateJobFlows", new JsonObject { ["JobFlowIds"] = new JsonArray(clusterId) }, wait.Token).ConfigureAwait(false);
            log($"terminating cluster {clusterId} (this attempt's cluster only)");
            while (true)
            {
                var state = (await emr.CallAsync("DescribeCluster", new JsonObject { ["ClusterId"] = clusterId }, wait.Token).ConfigureAwait(false))["Cluster"]?["Status"]?["State"]?.GetValue<string>();
                if (state is "TERMINATING" || TerminatedStates.Contains(state)) { log($"cluster {clusterId}: {state}"); return; }
                await Task.Delay(TimeSpan.FromTicks(Math.Min(s.PollInterval.Ticks, TimeSpan.FromSeconds(5).Ticks)), inv.Time, wait.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is DativoException or OperationCanceledException)
        {
            log($"could not confirm that cluster {clusterId} is terminating: {e.Message}; terminate it by hand: aws emr terminate-clusters --cluster-ids {clusterId}");
        }
    }

    private sealed record StepStatus(string Id, string Name, string State, string? Failure);

    private static async Task<List<StepStatus>> ListStepsAsync(AwsJsonClient emr, string clusterId, IReadOnlyList<string>? ids, CancellationToken ct)
    {
        var result = new List<StepStatus>();
        string? marker = null;
        do
        {
            var request = new JsonObject { ["ClusterId"] = clusterId };
            if (ids is not null) request["StepIds"] = new JsonArray([.. ids.Select(x => (JsonNode)x)]);
            if (marker is not null) request["Marker"] = marker;
            var answer = await emr.CallAsync("ListSteps", request, ct).ConfigureAwait(false);
            foreach (var step in (answer["Steps"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var details = step["Status"]?["FailureDetails"];
                var failure = details is null ? null
                    : string.Join(": ", new[] { details["Reason"]?.GetValue<string>(), details["Message"]?.GetValue<string>() }.Where(x => !string.IsNullOrEmpty(x)))
                      + (details["LogFile"]?.GetValue<string>() is { } logFile ? $" (log {logFile})" : "");
                result.Add(new StepStatus(step["Id"]?.GetValue<string>() ?? "", step["Name"]?.GetValue<string>() ?? "", step["Status"]?["State"]?.GetValue<string>() ?? "", failure));
            }
            marker = answer["Marker"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(marker));
        result.Reverse(); // EMR lists the newest step first
        return result;
    }

    private static void LogStepChanges(List<StepStatus> steps, Dictionary<string, string> seen, Action<string> log)
    {
        foreach (var st in steps)
            if (!seen.TryGetValue(st.Id, out var before) || before != st.State)
            {
                seen[st.Id] = st.State;
                log($"step {st.Name} ({st.Id}): {st.State}{(st.Failure is null ? "" : " - " + st.Failure)}");
            }
    }

    private static TaskOutcome Outcome(string clusterId, string state, JsonNode? reason, List<StepStatus> steps, Action<string> log)
    {
        var failed = steps.Where(x => x.State != "COMPLETED").ToList();
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["cluster_id"] = clusterId,
            ["state"] = state,
            ["steps_completed"] = (steps.Count - failed.Count).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["steps_failed"] = failed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (failed.Count == 0 && state != "TERMINATED_WITH_ERRORS" && steps.Count > 0)
        {
            log($"cluster {clusterId}: all {steps.Count} step(s) completed");
            return TaskOutcome.Ok(outputs);
        }
        var why = failed.Count > 0
            ? string.Join("; ", failed.Select(x => $"step {x.Name} {x.State}{(x.Failure is null ? "" : ": " + x.Failure)}"))
            : steps.Count == 0 ? "the cluster ran no step" : "the cluster ended with errors";
        var message = $"EMR cluster {clusterId} {state}{Reason(reason)}: {why}";
        log("error: " + message);
        return TaskOutcome.Failed(message, outputs);
    }

    private static string Reason(JsonNode? reason) =>
        reason?["Code"]?.GetValue<string>() is { } code ? $" ({code}{(reason["Message"]?.GetValue<string>() is { Length: > 0 } m ? ": " + m : "")})" : "";

    private static TaskOutcome Failed(Action<string> log, string message)
    {
        log("error: " + message);
        return TaskOutcome.Failed(message);
    }
}
