using System.Text.Json.Nodes;
using Dativo.Aws;
using Dativo.Aws.Testing;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks.EmrCluster;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests.Aws;

/// <summary>
/// <c>emr_cluster</c> against a local EMR endpoint that accepts only requests valid under EMR's botocore model and plays
/// back cluster and step life cycles (the CYI launcher's config layout, seed 003).
/// </summary>
public sealed class EmrClusterTaskTests
{
    private const string ClusterYaml = """
        Name: cyi
        ReleaseLabel: emr-7.2.0
        Applications: [{Name: Spark}, {Name: Hive}]
        ServiceRole: arn:aws:iam::123456789012:role/emr-service
        JobFlowRole: cyi-instance-profile
        VisibleToAllUsers: true
        Tags: [{Key: Application, Value: cyi}]
        """;

    private const string InstancesYaml = """
        Instances:
          Ec2SubnetIds: [subnet-0abc]
          InstanceFleets:
            - {Name: MASTER, InstanceFleetType: MASTER, TargetOnDemandCapacity: 1, InstanceTypeConfigs: [{InstanceType: m5.2xlarge}]}
            - {Name: CORE, InstanceFleetType: CORE, TargetOnDemandCapacity: 1, InstanceTypeConfigs: [{InstanceType: m5.2xlarge}]}
        """;

    private const string StepsYaml = """
        Steps:
          - Name: courtesy-flush
            ActionOnFailure: CONTINUE
            HadoopJarStep: {Jar: command-runner.jar, Args: [/opt/emr/flush.sh]}
          - Name: run-cyi
            ActionOnFailure: TERMINATE_CLUSTER
            HadoopJarStep: {Jar: command-runner.jar, Args: [spark-submit, /opt/emr/run_cyi.py]}
        """;

    [Fact]
    public async Task A_transient_cluster_runs_its_steps_with_the_runs_arguments_tags_and_merged_config()
    {
        using var emr = new EmrSimulator();
        using var h = Harness(emr);
        Config(h);
        var p = h.Load(Pipeline("""
                  overrides: {Instances: {InstanceFleets: [{Name: MASTER, InstanceFleetType: MASTER, TargetOnDemandCapacity: 1, InstanceTypeConfigs: [{InstanceType: m5.4xlarge}]}]}}
                  extend: {Configurations: [{Classification: spark-defaults, Properties: {spark.sql.shuffle.partitions: "64"}}]}
                  additional_step_args: {run-cyi: [--start_date, "{{ params.start }}"], no-such-step: [--x]}
                  tags: {team: data}
            """, "params: {start: \"2026-11-01\"}"));

        var run = await h.Engine.RunAsync(p, new RunRequest("c-1", ExportDate: "2026-11-05"), default);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Empty(emr.Server.Violations);
        var request = Assert.Single(emr.Started);
        Assert.Equal("m5.4xlarge", (string?)request["Instances"]!["InstanceFleets"]![0]!["InstanceTypeConfigs"]![0]!["InstanceType"]);
        Assert.Single(request["Instances"]!["InstanceFleets"]!.AsArray()); // lists are replaced, not merged
        Assert.False((bool)request["Instances"]!["KeepJobFlowAliveWhenNoSteps"]!);
        Assert.Equal("spark-defaults", (string?)request["Configurations"]![0]!["Classification"]);
        Assert.Equal(["/opt/emr/flush.sh", "--correlation_id", "c-1", "--export_date", "2026-11-05"], Args(request, 0));
        Assert.Equal(["spark-submit", "/opt/emr/run_cyi.py", "--start_date", "2026-11-01", "--correlation_id", "c-1", "--export_date", "2026-11-05"], Args(request, 1));
        var tags = request["Tags"]!.AsArray().ToDictionary(t => (string)t!["Key"]!, t => (string)t!["Value"]!);
        Assert.Equal("cyi", tags["Application"]);
        Assert.Equal("data", tags["team"]);
        Assert.Equal("c-1", tags["Correlation_Id"]);
        Assert.Equal("2026-11-05", tags["export_date"]);
        var item = Assert.Single(await h.ItemsAsync(run.RunId, "load"));
        Assert.Equal(emr.Clusters.Keys.Single(), item.Outputs!["cluster_id"]);
        Assert.Equal("2", item.Outputs["steps_completed"]);
    }

    [Fact]
    public async Task A_failed_step_fails_the_task_naming_the_step_its_reason_and_log()
    {
        using var emr = new EmrSimulator { Fail = "run-cyi" };
        using var h = Harness(emr);
        Config(h);
        var run = await h.Engine.RunAsync(h.Load(Pipeline("")), new RunRequest("c-2", ExportDate: "2026-11-05"), default);

        Assert.Equal(RunStatus.Failed, run.Status);
        var item = Assert.Single(await h.ItemsAsync(run.RunId, "load"));
        Assert.Contains("TERMINATED_WITH_ERRORS", item.Error);
        Assert.Contains("step run-cyi FAILED", item.Error);
        Assert.Contains("Spark job exited with code 1", item.Error);
        Assert.Contains("s3://logs/steps/", item.Error);
        Assert.Empty(emr.Server.Violations);
    }

    [Fact]
    public async Task A_timeout_terminates_only_the_cluster_this_attempt_started()
    {
        using var emr = new EmrSimulator { Hang = true };
        var other = emr.AddRunningCluster("cyi"); // same name, someone else's: must survive
        using var h = Harness(emr);
        Config(h);
        var p = h.Load(Pipeline("", timeout: "timeout: 1s"));

        var run = await h.Engine.RunAsync(p, new RunRequest("c-3", ExportDate: "2026-11-05"), default);

        Assert.NotEqual(RunStatus.Succeeded, run.Status);
        var ours = emr.Clusters.Keys.Single(id => id != other);
        Assert.Equal([ours], emr.Terminated);
        Assert.Equal("TERMINATED", emr.Clusters[ours].State);
        Assert.Equal("WAITING", emr.Clusters[other].State); // untouched
        Assert.Empty(emr.Server.Violations);
    }

    [Fact]
    public async Task Steps_added_to_a_running_cluster_are_followed_and_cancelled_without_touching_the_cluster()
    {
        using var emr = new EmrSimulator();
        var cluster = emr.AddRunningCluster("shared");
        using var h = Harness(emr);
        Config(h);
        var ok = await h.Engine.RunAsync(h.Load(Pipeline($"      cluster_id: {cluster}\n")), new RunRequest("c-4", ExportDate: "2026-11-05"), default);
        Assert.True(ok.Status == RunStatus.Succeeded, ok.Error);
        Assert.Empty(emr.Started);
        Assert.Equal(2, emr.Clusters[cluster].Steps.Count);

        emr.Hang = true;
        var stopped = await h.Engine.RunAsync(h.Load(Pipeline($"      cluster_id: {cluster}\n", timeout: "timeout: 1s"), "p2.yaml"), new RunRequest("c-5", ExportDate: "2026-11-05"), default);
        Assert.NotEqual(RunStatus.Succeeded, stopped.Status);
        Assert.Equal(2, emr.CancelledSteps.Count);
        Assert.Empty(emr.Terminated);
        Assert.Contains(emr.Clusters[cluster].State, new[] { "RUNNING", "WAITING" });
        Assert.Empty(emr.Server.Violations);
    }

    [Fact]
    public void Config_merging_follows_the_launcher()
    {
        var request = new JsonObject { ["Instances"] = new JsonObject { ["Fleets"] = new JsonArray(1, 2), ["Keep"] = true }, ["Name"] = "a" };
        ClusterConfig.Merge(request, new JsonObject { ["Instances"] = new JsonObject { ["Fleets"] = new JsonArray(3) }, ["Name"] = "b" });
        Assert.Equal("""{"Instances":{"Fleets":[3],"Keep":true},"Name":"b"}""", request.ToJsonString());
        ClusterConfig.Extend(request, "Instances.Fleets", new JsonArray(4));
        ClusterConfig.Extend(request, "A.B.C", new JsonArray("x"));
        Assert.Equal("""{"Instances":{"Fleets":[3,4],"Keep":true},"Name":"b","A":{"B":{"C":["x"]}}}""", request.ToJsonString());
        Assert.Contains("not a list", Assert.ThrowsAny<Core.Errors.DativoException>(() => ClusterConfig.Extend(request, "Name", new JsonArray(1))).Message);
        using var dir = new TempDir();
        Assert.Contains("instances.yaml is missing", Assert.ThrowsAny<Core.Errors.DativoException>(() => { dir.File("cluster.yaml", ClusterYaml); ClusterConfig.Load(dir.Path); }).Message);
    }

    private static List<string> Args(JsonNode request, int step) =>
        [.. request["Steps"]![step]!["HadoopJarStep"]!["Args"]!.AsArray().Select(a => (string)a!)];

    private static EngineHarness Harness(EmrSimulator emr)
    {
        var env = emr.Server.Environment(AwsService.Emr.EndpointVariable);
        return new EngineHarness(env: k => env.GetValueOrDefault(k));
    }

    private static void Config(EngineHarness h)
    {
        h.Dir.File("emr/cluster.yaml", ClusterYaml);
        h.Dir.File("emr/instances.yaml", InstancesYaml);
        h.Dir.File("emr/steps.yaml", StepsYaml);
    }

    private static string Pipeline(string more, string header = "", string timeout = "") => $"""
        name: cyi_cluster
        {header}
        tasks:
          - name: load
            type: emr_cluster
            {timeout}
            with:
              config_dir: emr
              poll_interval: 5ms
              max_poll_interval: 20ms
              cancel_wait: 5s
        {more}
        """;

    /// <summary>EMR's clusters and steps: every poll moves them one state on, as a real cluster would over minutes.</summary>
    private sealed class EmrSimulator : IDisposable
    {
        private readonly Lock _gate = new();
        private int _next;

        public EmrSimulator() => Server = new ModelCheckedAwsServer("emr", Handle);

        public ModelCheckedAwsServer Server { get; }
        public Dictionary<string, Cluster> Clusters { get; } = new(StringComparer.Ordinal);
        public List<JsonObject> Started { get; } = [];
        public List<string> Terminated { get; } = [];
        public List<string> CancelledSteps { get; } = [];
        public string? Fail { get; init; }
        public bool Hang { get; set; }

        public sealed class Cluster(string name, bool keepAlive)
        {
            public string Name { get; } = name;
            public bool KeepAlive { get; } = keepAlive;
            public string State { get; set; } = "STARTING";
            public string? Reason { get; set; }
            public List<Step> Steps { get; } = [];
        }

        public sealed class Step(string id, string name, string onFailure)
        {
            public string Id { get; } = id;
            public string Name { get; } = name;
            public string OnFailure { get; } = onFailure;
            public string State { get; set; } = "PENDING";
        }

        public string AddRunningCluster(string name)
        {
            lock (_gate)
            {
                var id = NewId("j-");
                Clusters[id] = new Cluster(name, keepAlive: true) { State = "WAITING" };
                return id;
            }
        }

        private string NewId(string prefix) => prefix + (++_next).ToString("D13", System.Globalization.CultureInfo.InvariantCulture);

        private ModelAnswer Handle(string op, JsonObject input)
        {
            lock (_gate)
            {
                switch (op)
                {
                    case "RunJobFlow":
                    {
                        Started.Add((JsonObject)input.DeepClone());
                        var id = NewId("j-");
                        var c = new Cluster((string)input["Name"]!, input["Instances"]?["KeepJobFlowAliveWhenNoSteps"]?.GetValue<bool>() ?? true);
                        foreach (var s in input["Steps"]?.AsArray() ?? []) c.Steps.Add(new Step(NewId("s-"), (string)s!["Name"]!, (string?)s["ActionOnFailure"] ?? "CONTINUE"));
                        Clusters[id] = c;
                        return ModelAnswer.Ok(new JsonObject { ["JobFlowId"] = id, ["ClusterArn"] = $"arn:aws:elasticmapreduce:eu-west-2:123456789012:cluster/{id}" });
                    }
                    case "AddJobFlowSteps":
                    {
                        var c = Clusters[(string)input["JobFlowId"]!];
                        var ids = new JsonArray();
                        foreach (var s in input["Steps"]!.AsArray())
                        {
                            var step = new Step(NewId("s-"), (string)s!["Name"]!, (string?)s["ActionOnFailure"] ?? "CONTINUE");
                            c.Steps.Add(step);
                            ids.Add(step.Id);
                        }
                        c.State = "RUNNING";
                        return ModelAnswer.Ok(new JsonObject { ["StepIds"] = ids });
                    }
                    case "DescribeCluster":
                    {
                        var id = (string)input["ClusterId"]!;
                        if (!Clusters.TryGetValue(id, out var c)) return ModelAnswer.Error("InvalidRequestException", $"Cluster id '{id}' is not valid.");
                        if (c.State == "STARTING") c.State = "BOOTSTRAPPING";
                        else if (c.State == "BOOTSTRAPPING") c.State = "RUNNING";
                        else if (c.State == "TERMINATING") c.State = "TERMINATED";
                        var status = new JsonObject { ["State"] = c.State };
                        if (c.Reason is not null) status["StateChangeReason"] = new JsonObject { ["Code"] = c.Reason, ["Message"] = "Steps completed" };
                        return ModelAnswer.Ok(new JsonObject { ["Cluster"] = new JsonObject { ["Id"] = id, ["Name"] = c.Name, ["Status"] = status } });
                    }
                    case "ListSteps":
                    {
                        var c = Clusters[(string)input["ClusterId"]!];
                        Advance(c);
                        var wanted = input["StepIds"]?.AsArray().Select(x => (string)x!).ToHashSet();
                        var steps = new JsonArray();
                        foreach (var s in Enumerable.Reverse(c.Steps).Where(s => wanted is null || wanted.Contains(s.Id)))
                        {
                            var status = new JsonObject { ["State"] = s.State };
                            if (s.State == "FAILED")
                                status["FailureDetails"] = new JsonObject { ["Reason"] = "Spark job exited with code 1", ["Message"] = "Traceback…", ["LogFile"] = $"s3://logs/steps/{s.Id}/stderr.gz" };
                            steps.Add(new JsonObject { ["Id"] = s.Id, ["Name"] = s.Name, ["ActionOnFailure"] = s.OnFailure, ["Status"] = status });
                        }
                        return ModelAnswer.Ok(new JsonObject { ["Steps"] = steps });
                    }
                    case "TerminateJobFlows":
                        foreach (var id in input["JobFlowIds"]!.AsArray().Select(x => (string)x!))
                        {
                            Terminated.Add(id);
                            Clusters[id].State = "TERMINATING";
                            Clusters[id].Reason = "USER_REQUEST";
                        }
                        return ModelAnswer.Ok([]);
                    case "CancelSteps":
                    {
                        var info = new JsonArray();
                        foreach (var id in input["StepIds"]!.AsArray().Select(x => (string)x!))
                        {
                            CancelledSteps.Add(id);
                            foreach (var s in Clusters[(string)input["ClusterId"]!].Steps.Where(s => s.Id == id)) s.State = "CANCELLED";
                            info.Add(new JsonObject { ["StepId"] = id, ["Status"] = "SUBMITTED" });
                        }
                        return ModelAnswer.Ok(new JsonObject { ["CancelStepsInfoList"] = info });
                    }
                    default:
                        return ModelAnswer.Error("InvalidRequestException", $"the simulator does not script {op}");
                }
            }
        }

        /// <summary>One step of life: the first unfinished step moves on; the cluster ends like EMR when its steps do.</summary>
        private void Advance(Cluster c)
        {
            if (c.State is not ("RUNNING" or "WAITING")) return;
            var step = c.Steps.FirstOrDefault(s => s.State is "PENDING" or "RUNNING");
            if (step is null)
            {
                if (!c.KeepAlive && c.Steps.Count > 0)
                {
                    var failed = c.Steps.Any(s => s.State == "FAILED" && s.OnFailure == "TERMINATE_CLUSTER");
                    c.State = failed ? "TERMINATED_WITH_ERRORS" : "TERMINATED";
                    c.Reason = failed ? "STEP_FAILURE" : "ALL_STEPS_COMPLETED";
                }
                else if (c.KeepAlive) c.State = "WAITING";
                return;
            }
            if (step.State == "PENDING") step.State = "RUNNING";
            else if (!Hang) step.State = step.Name == Fail ? "FAILED" : "COMPLETED";
        }

        public void Dispose() => Server.Dispose();
    }
}
