using Dativo.Core.Errors;
using Dativo.Orchestration.Datasets;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Tasks;
using Dativo.Testing;

namespace Dativo.Orchestration.Tests;

public sealed class DatasetListTests
{
    [Theory]
    [InlineData("[\"a\",\"b\"]", "a,b")]
    [InlineData("{\"datasets\": [\"a\"]}", "a")]
    public void Parse_cases_from_seed_002(string input, string expected) =>
        Assert.Equal(expected.Split(','), DatasetLists.Parse(input));

    [Theory]
    [InlineData("{\"other\": 1}", "without a 'datasets' array")]
    [InlineData("not json", "is not JSON")]
    [InlineData("\"a\"", "not a list")]
    [InlineData("[]", "empty list")]
    [InlineData("[\"a\",\"a\"]", "twice")]
    public void Malformed_values_are_errors_not_silent_fallbacks(string input, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => DatasetLists.Parse(input)).Message);

    private static LoadedPipeline Pipeline(TempDir dir, string sources) => PipelineLoader.Load(dir.File("p.yaml",
        "name: p\ntasks:\n  - name: a\n    type: command\n    command: [echo, \"{{ dataset }}\"]\n    foreach:\n      sources:\n" + sources + "\n"),
        TaskTypeRegistry.CreateDefault(), _ => null);

    [Fact]
    public async Task Sources_are_tried_in_order_and_absent_ones_fall_through()
    {
        using var dir = new TempDir();
        dir.File("list.txt", "x\n# comment\ny\n");
        var p = Pipeline(dir, "        - {env: NOPE}\n        - {ssm: /emr/datasets-list}\n        - {file: list.txt}\n        - {values: [z]}");
        var env = new Dictionary<string, string>();
        var (list, source) = await new DatasetResolver(k => env.GetValueOrDefault(k), null).ResolveAsync(p, p.Tasks[0], default);
        Assert.Equal(["x", "y"], list);
        Assert.Equal("file list.txt", source);
        env["NOPE"] = "{\"datasets\":[\"e\"]}";
        Assert.Equal(["e"], (await new DatasetResolver(k => env.GetValueOrDefault(k), null).ResolveAsync(p, p.Tasks[0], default)).Datasets);
    }

    [Fact]
    public async Task An_object_without_datasets_is_an_error_naming_the_source()
    {
        using var dir = new TempDir();
        var p = Pipeline(dir, "        - {env: LIST}\n        - {values: [z]}");
        var e = await Assert.ThrowsAsync<DativoException>(() =>
            new DatasetResolver(k => k == "LIST" ? "{\"other\": 1}" : null, null).ResolveAsync(p, p.Tasks[0], default));
        Assert.Contains("foreach source env LIST holds an object without a 'datasets' array", e.Message);
    }

    [Fact]
    public async Task No_list_anywhere_names_each_source_and_why()
    {
        using var dir = new TempDir();
        var p = Pipeline(dir, "        - {secretsmanager: development/emr_datasets_list}\n        - {env: EMR_DATASETS_LIST}\n        - {file: none.json}");
        var e = await Assert.ThrowsAsync<DativoException>(() => new DatasetResolver(_ => null, null).ResolveAsync(p, p.Tasks[0], default));
        Assert.Contains("secretsmanager development/emr_datasets_list: AWS access is not configured", e.Message);
        Assert.Contains("env EMR_DATASETS_LIST: not set", e.Message);
        Assert.Contains("none.json: not found", e.Message);
    }
}
