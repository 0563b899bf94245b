using Dativo.Core.Config;
using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Tasks;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests;

public sealed class PipelineLoaderTests : IDisposable
{
    private readonly TempDir _dir = new("dativo-pl-");

    public void Dispose() => _dir.Dispose();

    private LoadedPipeline Load(string yaml, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var file = _dir.File("p.yaml", yaml);
        return PipelineLoader.Load(file, TaskTypeRegistry.CreateDefault(), _ => null, overrides);
    }

    private string Error(string yaml) => Assert.ThrowsAny<DativoException>(() => Load(yaml)).Message;

    [Fact]
    public void The_issue_sample_is_valid()
    {
        var p = Load("""
            name: per_dataset
            tasks:
              - name: process
                type: command
                foreach:
                  sources:
                    - {secretsmanager: development/emr_datasets_list}
                    - {ssm: /emr/datasets-list}
                    - {env: EMR_DATASETS_LIST}
                    - {values: [ancient-woodland]}
                concurrency: 4
                timeout: 15m
                retry: {max_attempts: 2, backoff: 5s}
                env: {DATASET: "{{ dataset }}"}
                command: [bash, -c, 'process "$DATASET"']
              - name: summarize
                type: command
                depends_on: [process]
                trigger_rule: all_done
                env: {SUMMARY: "{{ outputs.process.summary }}"}
                command: [bash, -c, 'echo "$SUMMARY"']
            """);
        Assert.Equal(["process", "summarize"], p.Tasks.Select(t => t.Name));
        Assert.Equal(TimeSpan.FromMinutes(15), Durations.ParseOrNull(p.Tasks[0].Timeout));
    }

    [Fact]
    public void Example_pipelines_are_valid()
    {
        // the job executor lives in the application layer (DailyLoadTests runs daily_raw_load.yaml with it); here only its settings' shape
        var registry = TaskTypeRegistry.CreateDefault();
        registry.Register("job", new ScriptedExecutor(TimeProvider.System));
        foreach (var f in Directory.GetFiles(Repo.Path_("examples", "pipelines"), "*.yaml"))
            PipelineLoader.Load(f, registry, _ => null);
    }

    [Fact]
    public void Cycles_are_reported_with_their_path()
    {
        var msg = Error("""
            name: p
            tasks:
              - {name: a, type: command, command: [true], depends_on: [c]}
              - {name: b, type: command, command: [true], depends_on: [a]}
              - {name: c, type: command, command: [true], depends_on: [b]}
            """);
        Assert.Contains("dependency cycle: a -> c -> b -> a", msg);
        Assert.Contains("p.yaml:3:", msg);
    }

    [Fact]
    public void Unknown_task_type_suggests_a_known_one()
    {
        var msg = Error("""
            name: p
            tasks:
              - {name: a, type: comand, command: [true]}
            """);
        Assert.Contains("unknown task type 'comand' (did you mean 'command'?)", msg);
        Assert.Contains("p.yaml:3:", msg);
    }

    [Fact]
    public void Known_but_unwired_task_types_fail_at_validation()
    {
        var msg = Error("""
            name: p
            tasks:
              - {name: a, type: job, job: jobs/x.yaml}
            """);
        Assert.Contains("task type 'job' is not available in this build", msg);
    }

    [Fact]
    public void Undefined_template_variables_are_errors()
    {
        var msg = Error("""
            name: p
            params: {region: eu-west-2}
            tasks:
              - {name: a, type: command, command: [echo, "{{ dataset }}"]}
              - {name: b, type: command, command: [echo, "{{ params.regoin }}", "{{ outputs.a.x }}"], depends_on: [a]}
              - {name: c, type: command, command: [echo, "{{ outputs.b.x }}", "{{ exportdate }}"]}
            """);
        Assert.Contains("'{{ dataset }}' is defined only in foreach tasks", msg);
        Assert.Contains("undefined template variable 'params.regoin'", msg);
        Assert.Contains("(did you mean 'region'?)", msg);
        Assert.Contains("task 'c' does not depend on 'b'", msg);
        Assert.Contains("undefined template variable 'exportdate' (did you mean 'export_date'?)", msg);
        Assert.DoesNotContain("outputs.a.x", msg);
    }

    [Fact]
    public void Unknown_depends_on_and_bad_sources_are_errors()
    {
        var msg = Error("""
            name: p
            tasks:
              - name: a
                type: command
                command: [true]
                depends_on: [procss]
                foreach:
                  sources:
                    - {env: X, values: [a]}
                    - {}
              - {name: process, type: command, command: [true]}
            """);
        Assert.Contains("unknown task 'procss' (did you mean 'process'?)", msg);
        Assert.Contains("a source has exactly one of", msg);
        Assert.Contains("a source needs one of", msg);
    }

    [Fact]
    public void Schema_errors_have_locations_and_suggestions()
    {
        var ex = Assert.Throws<ConfigException>(() => Load("""
            name: p
            tasks:
              - name: a
                type: command
                comand: [true]
                timeout: 15 minutes
            """));
        Assert.Contains(ex.Issues, i => i.KeyPath == "tasks[0].comand" && i.Message.Contains("did you mean 'command'"));
        Assert.Contains(ex.Issues, i => i.KeyPath == "tasks[0].timeout" && i.Line == 6);
    }

    [Fact]
    public void Set_overrides_only_declared_params()
    {
        var yaml = """
            name: p
            params: {region: eu-west-2}
            tasks:
              - {name: a, type: command, command: [echo, "{{ params.region }}"]}
            """;
        Assert.Equal("us-east-1", Load(yaml, new Dictionary<string, string> { ["region"] = "us-east-1" }).Params["region"]);
        var msg = Assert.ThrowsAny<DativoException>(() => Load(yaml, new Dictionary<string, string> { ["regoin"] = "x" })).Message;
        Assert.Contains("declares no parameter 'regoin' (did you mean 'region'?)", msg);
    }

    [Fact]
    public void Schedules_and_triggers_are_checked()
    {
        var msg = Error("""
            name: p
            schedule: {cron: "61 * * * *", timezone: Mars/Olympus}
            triggers:
              - object_arrival: {location: ./in, prefix: cyi/}
            tasks:
              - {name: a, type: command, command: [true]}
            """);
        Assert.Contains("invalid cron expression", msg);
        Assert.Contains("unknown time zone 'Mars/Olympus'", msg);
        Assert.Contains("needs a {date:FORMAT} placeholder", msg);
    }

    [Fact]
    public void A_second_document_is_an_error_at_its_marker()
    {
        var e = Assert.Throws<ConfigException>(() => Load("name: p\ntasks:\n  - {name: a, type: command, command: [true]}\n---\nname: q\n"));
        var issue = Assert.Single(e.Issues);
        Assert.Equal((4, 1), (issue.Line, issue.Column));
        Assert.Contains("a second YAML document starts here", issue.Message);
    }

    [Fact]
    public void An_alias_bomb_is_refused_through_the_shared_loader()
    {
        var levels = string.Concat(Enumerable.Range(1, 8).Select(i => $"  l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n"));
        var e = Assert.Throws<ConfigException>(() => Load("name: p\nparams:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + levels + "tasks:\n  - {name: a, type: command, command: [true]}\n"));
        Assert.Contains("more than 200000 YAML nodes through alias *l4", Assert.Single(e.Issues).Message);
    }

    [Fact]
    public void Tables_a_pipeline_writes_follow_the_name_rule_and_tables_it_reads_need_not()
    {
        var e = Assert.Throws<ConfigException>(() => Load("""
            name: p
            tasks:
              - name: s
                type: sql
                with: {sql: "select 1", output: analytics.Bad-Name, inputs: {v: other_tool.Mixed_Case_Table}}
              - name: g
                type: generate
                with: {dataset: shipments, table: a.b.c}
            """));
        Assert.Equal(2, e.Issues.Count);
        Assert.Contains(e.Issues, i => i.KeyPath == "tasks[0].with.output" && i.Line == 5 && i.Message.Contains(CatalogNames.Rule));
        Assert.Contains(e.Issues, i => i.KeyPath == "tasks[1].with.table" && i.Line == 8 && i.Message.Contains("'a.b.c'") && i.Message.Contains(CatalogNames.Rule));
    }

    [Theory]
    [InlineData("15m", 900_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("7d", 604_800_000)]
    public void Durations_parse(string text, double ms) => Assert.Equal(ms, Durations.ParseOrNull(text)!.Value.TotalMilliseconds);
}
