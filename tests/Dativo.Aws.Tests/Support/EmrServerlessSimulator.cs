using System.Text.Json.Nodes;

namespace Dativo.Aws.Testing;

/// <summary>
/// The scripted EMR Serverless behind a <see cref="ModelCheckedAwsServer"/>: StartJobRun creates a run in SUBMITTED
/// (the same run again for a client token already seen, as the service does), each GetJobRun moves it one step along
/// its script, CancelJobRun moves it to CANCELLING and the next GetJobRun to CANCELLED. It counts active runs (not
/// SUCCESS/FAILED/CANCELLED) and the most ever active per application; throttling is injected by call number.
/// </summary>
internal sealed class EmrServerlessSimulator
{
    internal sealed class Run
    {
        public required string Id { get; init; }
        public required string ApplicationId { get; init; }
        public required JsonObject Request { get; init; }
        public required Queue<string> Script { get; init; }
        public string State { get; set; } = "SUBMITTED";
        public string StateDetails { get; set; } = "Job run submitted.";
        public bool CancelRequested { get; set; }
        public int Polls { get; set; }
        public string Name => (string?)Request["name"] ?? "";
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Run> _byToken = new(StringComparer.Ordinal);
    private readonly List<(int Count, TaskCompletionSource Reached)> _activeWatchers = [];
    private int _starts;
    private int _gets;

    /// <summary>States a new run goes through, one per GetJobRun; the last one stays (a non-terminal last state runs forever).</summary>
    public Func<JsonObject, IEnumerable<string>> Script { get; set; } = _ => ["PENDING", "SCHEDULED", "RUNNING", "SUCCESS"];

    /// <summary>StartJobRun call number (from 1) → answer ThrottlingException instead.</summary>
    public Func<int, bool> ThrottleStart { get; set; } = _ => false;

    /// <summary>GetJobRun call number (from 1) → answer ThrottlingException instead.</summary>
    public Func<int, bool> ThrottleGet { get; set; } = _ => false;

    public int MaxActive { get; private set; }

    public IReadOnlyList<Run> Runs
    {
        get { lock (_lock) return [.. _runs.Values]; }
    }

    /// <summary>Runs still active that nobody asked to cancel: what would keep running (and billing) on AWS.</summary>
    public IReadOnlyList<Run> LeftRunning
    {
        get { lock (_lock) return [.. _runs.Values.Where(r => IsActive(r.State) && !r.CancelRequested)]; }
    }

    public int Active
    {
        get { lock (_lock) return _runs.Values.Count(r => IsActive(r.State)); }
    }

    /// <summary>Completes once <paramref name="count"/> runs are active at the same time.</summary>
    public Task WhenActive(int count)
    {
        lock (_lock)
        {
            if (_runs.Values.Count(r => IsActive(r.State)) >= count) return Task.CompletedTask;
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _activeWatchers.Add((count, tcs));
            return tcs.Task;
        }
    }

    private static bool IsActive(string state) => state is not ("SUCCESS" or "FAILED" or "CANCELLED");

    public ModelAnswer Handle(string operation, JsonObject input)
    {
        lock (_lock)
        {
            return operation switch
            {
                "StartJobRun" => Start(input),
                "GetJobRun" => Get(input),
                "CancelJobRun" => Cancel(input),
                _ => ModelAnswer.Error("ValidationException", $"{operation} is not scripted"),
            };
        }
    }

    private ModelAnswer Start(JsonObject input)
    {
        if (ThrottleStart(++_starts)) return ModelAnswer.Throttled();
        var token = (string)input["clientToken"]!;
        if (!_byToken.TryGetValue(token, out var run))
        {
            run = new Run
            {
                Id = $"00{_runs.Count + 1:x14}",
                ApplicationId = (string)input["applicationId"]!,
                Request = (JsonObject)input.DeepClone(),
                Script = new Queue<string>(Script(input)),
            };
            _runs[run.Id] = run;
            _byToken[token] = run;
            var active = _runs.Values.Count(r => IsActive(r.State));
            MaxActive = Math.Max(MaxActive, active);
            foreach (var w in _activeWatchers.Where(w => active >= w.Count).ToList())
            {
                _activeWatchers.Remove(w);
                w.Reached.TrySetResult();
            }
        }
        return ModelAnswer.Ok(new JsonObject { ["applicationId"] = run.ApplicationId, ["jobRunId"] = run.Id, ["arn"] = Arn(run) });
    }

    private ModelAnswer Get(JsonObject input)
    {
        if (ThrottleGet(++_gets)) return ModelAnswer.Throttled();
        if (!_runs.TryGetValue((string)input["jobRunId"]!, out var run) || run.ApplicationId != (string?)input["applicationId"])
            return ModelAnswer.Error("ResourceNotFoundException", $"job run {input["jobRunId"]} not found", 404);
        run.Polls++;
        if (run.State == "CANCELLING")
        {
            run.State = "CANCELLED";
            run.StateDetails = "Job run cancelled by the user.";
        }
        else if (IsActive(run.State) && run.Script.Count > 0)
        {
            var next = run.Script.Count > 1 ? run.Script.Dequeue() : run.Script.Peek();
            run.State = next.Split(':')[0];
            if (run.State == "CANCELLING") run.CancelRequested = true; // cancelled by someone else (the console, another tool)
            run.StateDetails = next.Contains(':', StringComparison.Ordinal) ? next[(next.IndexOf(':', StringComparison.Ordinal) + 1)..] : $"Job run is {run.State}.";
        }
        var jobRun = new JsonObject
        {
            ["applicationId"] = run.ApplicationId,
            ["jobRunId"] = run.Id,
            ["name"] = run.Name,
            ["arn"] = Arn(run),
            ["createdBy"] = "arn:aws:iam::123456789012:user/dativo-test",
            ["createdAt"] = 1764720000,
            ["updatedAt"] = 1764720000 + run.Polls,
            ["executionRole"] = (string?)run.Request["executionRoleArn"],
            ["state"] = run.State,
            ["stateDetails"] = run.StateDetails,
            ["releaseLabel"] = "emr-7.5.0",
            ["jobDriver"] = run.Request["jobDriver"]?.DeepClone(),
            ["tags"] = run.Request["tags"]?.DeepClone(),
        };
        if (run.State is "SUCCESS" or "FAILED" or "CANCELLED")
        {
            jobRun["billedResourceUtilization"] = new JsonObject { ["vCPUHour"] = 0.25, ["memoryGBHour"] = 1.5, ["storageGBHour"] = 5.0 };
            jobRun["totalExecutionDurationSeconds"] = 60;
        }
        return ModelAnswer.Ok(new JsonObject { ["jobRun"] = jobRun });
    }

    private ModelAnswer Cancel(JsonObject input)
    {
        if (!_runs.TryGetValue((string)input["jobRunId"]!, out var run) || run.ApplicationId != (string?)input["applicationId"])
            return ModelAnswer.Error("ResourceNotFoundException", $"job run {input["jobRunId"]} not found", 404);
        run.CancelRequested = true;
        if (IsActive(run.State))
        {
            run.State = "CANCELLING";
            run.StateDetails = "Job run is being cancelled.";
        }
        return ModelAnswer.Ok(new JsonObject { ["applicationId"] = run.ApplicationId, ["jobRunId"] = run.Id });
    }

    private static string Arn(Run run) => $"arn:aws:emr-serverless:eu-west-2:123456789012:/applications/{run.ApplicationId}/jobruns/{run.Id}";
}
