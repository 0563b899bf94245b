using Dativo.Core.Errors;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;

namespace Dativo.Orchestration.Tests.Safety;

/// <summary>Issue #11 item 8 (paths): a value from data cannot take a templated path out of the folder the pipeline names.</summary>
public sealed class PathTemplateTests
{
    private static string Render(string text, string value, bool dataParam = false) =>
        TemplatePaths.Render(text, r => r switch { "dataset" => value, "outputs.t.k" => value, "params.dir" => value, _ => null },
            r => Template.IsData(r, dataParam ? new HashSet<string> { "dir" } : []), "job");

    [Theory]
    [InlineData("jobs/{{ dataset }}.yaml", "orders", "jobs/orders.yaml")]
    [InlineData("jobs/{{ dataset }}.yaml", "eu/orders", "jobs/eu/orders.yaml")]
    [InlineData("jobs/{{ dataset }}.yaml", "a..b", "jobs/a..b.yaml")]
    [InlineData("../common/{{ dataset }}.yaml", "orders", "../common/orders.yaml")] // '..' written by the author
    [InlineData("{{ params.dir }}/x.yaml", "/srv/jobs", "/srv/jobs/x.yaml")] // a parameter is the operator's choice
    [InlineData("{{ params.dir }}/x.yaml", "../up", "../up/x.yaml")]
    public void Values_that_stay_inside_render_as_written(string text, string value, string expected) =>
        Assert.Equal(expected, Render(text, value));

    [Theory]
    [InlineData("jobs/{{ dataset }}.yaml", "../../../outside/evil", "the value '../../../outside/evil' of {{ dataset }} climbs out with '..'")]
    [InlineData("jobs/{{ dataset }}.yaml", "a/../../evil", "climbs out with '..'")]
    [InlineData("jobs/{{ dataset }}.yaml", "/etc/evil", "the value '/etc/evil' of {{ dataset }} is an absolute path")]
    [InlineData("{{ dataset }}", "/etc/evil", "is an absolute path")]
    [InlineData("jobs/{{ dataset }}.yaml", "s3://bucket/evil", "is a URI")]
    [InlineData("jobs/{{ dataset }}{{ outputs.t.k }}/x", ".", "make the path 'jobs/../x', which leaves 'jobs/'")]
    [InlineData("jobs/x{{ dataset }}", "/../../evil", "is an absolute path")]
    public void Values_from_data_that_leave_the_folder_are_refused(string text, string value, string message)
    {
        var e = Assert.Throws<DativoException>(() => Render(text, value));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("job: ", e.Message);
        Assert.Contains("may not be absolute, a URI, or climb out with '..'", e.Message);
    }

    [Fact]
    public void A_parameter_a_parent_filled_from_data_is_data()
    {
        var e = Assert.Throws<DativoException>(() => Render("{{ params.dir }}/x.yaml", "/srv/jobs", dataParam: true));
        Assert.Contains("the value '/srv/jobs' of {{ params.dir }} is an absolute path", e.Message);
    }

    [Fact]
    public async Task A_working_dir_named_by_a_dataset_cannot_leave_the_folder()
    {
        using var h = new EngineHarness();
        h.Dir.File("pipes/work/ok/.keep", "");
        h.Dir.File("outside/.keep", "");
        var p = h.Load("""
            name: p
            tasks:
              - name: t
                type: command
                working_dir: "work/{{ dataset }}"
                command: [touch, marker]
                foreach: {sources: [{values: [ok, ../../outside]}]}
            """, "pipes/p.yaml");
        var run = await h.RunAsync(p, "r");
        var items = await h.ItemsAsync(run.RunId, "t");
        Assert.Equal(RunStatus.Succeeded, items[0].Status);
        Assert.Equal(RunStatus.Failed, items[1].Status);
        Assert.StartsWith("working_dir: the value '../../outside' of {{ dataset }} climbs out with '..'", items[1].Error);
        Assert.True(File.Exists(Path.Combine(h.Dir.Path, "pipes", "work", "ok", "marker")));
        Assert.False(File.Exists(Path.Combine(h.Dir.Path, "outside", "marker")));
    }

    [Fact]
    public async Task A_sub_pipeline_named_by_a_dataset_cannot_come_from_outside_its_folder()
    {
        using var h = new EngineHarness();
        h.Dir.File("pipes/children/ok/run.yaml", "name: ok\ntasks:\n  - {name: c, type: command, command: [touch, ok.marker]}\n");
        h.Dir.File("pipes/run.yaml", "name: evil\ntasks:\n  - {name: c, type: command, command: [touch, evil.marker]}\n");
        var p = h.Load("""
            name: parent
            tasks:
              - name: each
                type: pipeline
                pipeline: children/{{ dataset }}/run.yaml
                foreach: {sources: [{values: [ok, ".."]}]}
            """, "pipes/parent.yaml");
        var run = await h.RunAsync(p, "r");
        var items = await h.ItemsAsync(run.RunId, "each");
        Assert.Equal(RunStatus.Succeeded, items[0].Status);
        Assert.Equal(RunStatus.Failed, items[1].Status);
        Assert.StartsWith("pipeline: the value '..' of {{ dataset }} climbs out with '..'", items[1].Error);
        Assert.True(File.Exists(Path.Combine(h.Dir.Path, "pipes", "children", "ok", "ok.marker")));
        Assert.False(File.Exists(Path.Combine(h.Dir.Path, "pipes", "evil.marker")));
    }

    [Fact]
    public async Task A_parameter_filled_from_a_dataset_stays_data_in_the_child_pipeline()
    {
        using var h = new EngineHarness();
        h.Dir.File("work/a/.keep", "");
        h.Load("""
            name: child
            params: {dir: none}
            tasks:
              - {name: c, type: command, working_dir: "work/{{ params.dir }}", command: [touch, marker]}
            """, "child.yaml");
        var p = h.Load("""
            name: parent
            tasks:
              - name: each
                type: pipeline
                pipeline: child.yaml
                params: {dir: "{{ dataset }}"}
                foreach: {sources: [{values: [a, ".."]}]}
            """);
        var run = await h.RunAsync(p, "r");
        var items = await h.ItemsAsync(run.RunId, "each");
        Assert.Equal(RunStatus.Succeeded, items[0].Status);
        Assert.Equal(RunStatus.Failed, items[1].Status);
        Assert.True(File.Exists(Path.Combine(h.Dir.Path, "work", "a", "marker")));
        var child = await h.Store.GetRunAsync("child/r.each...", default); // correlation r.each.<dataset>
        Assert.NotNull(child);
        Assert.Equal(["dir"], child.DataParams!);
        var childItem = Assert.Single(await h.ItemsAsync(child.RunId, "c"));
        Assert.StartsWith("working_dir: the value '..' of {{ params.dir }} climbs out with '..'", childItem.Error);
        Assert.False(File.Exists(Path.Combine(h.Dir.Path, "marker")));
    }
}
