using System.Text.Json;
using System.Text.RegularExpressions;
using Dativo.Cli.Tests.Support;
using Dativo.Testing;
using Xunit.Abstractions;

namespace Dativo.Cli.Tests;

/// <summary>
/// terraform/aws/streaming-analytics: fmt, validate, its <c>terraform test</c> suite on a mocked AWS provider, the
/// seed module's interface, and <c>./dativo stream tfvars</c> output planned with the module. Every Terraform run
/// works on a temporary copy. Skipped when terraform or the offline AWS provider mirror is missing.
/// </summary>
public sealed partial class TerraformStreamingModuleTests(ITestOutputHelper output)
{
    private readonly TerraformModule _tf = new(Repo.Path_("terraform", "aws", "streaming-analytics"), output);

    [SkippableFact]
    public async Task Fmt_validate_and_the_test_suite_pass()
    {
        _tf.SkipUnlessTerraform();
        using var copy = await _tf.InitializedCopyAsync();
        var fmt = await _tf.RunAsync(copy.Path, "fmt", "-check", "-recursive", "-diff", "-no-color");
        Assert.True(fmt.ExitCode == 0, $"terraform fmt -check found unformatted files:\n{fmt.All}");
        var validate = await _tf.RunAsync(copy.Path, "validate", "-no-color");
        Assert.True(validate.ExitCode == 0 && validate.Stdout.Contains("The configuration is valid", StringComparison.Ordinal), validate.All);
        var test = await _tf.RunAsync(copy.Path, "test", "-no-color");
        var (passed, failed) = test.TestSummary();
        Assert.True(test.ExitCode == 0 && failed == 0, $"terraform test failed:\n{test.All}");
        Assert.True(passed >= 18, $"expected at least 18 passing runs, got {passed}:\n{test.All}");
    }

    [Fact]
    public void Module_declares_every_input_and_output_of_the_seed_module()
    {
        using var iface = JsonDocument.Parse(File.ReadAllText(Repo.Fixture("firehose", "module_interface.json")));
        var declared = _tf.DeclaredVariables();
        foreach (var v in SeedVariables(iface.RootElement)) Assert.Contains(v, declared);
        var outputs = _tf.DeclaredOutputs();
        foreach (var o in iface.RootElement.GetProperty("outputs").EnumerateArray().Select(e => e.GetString()!.Split(' ')[0]))
            Assert.Contains(o, outputs);
    }

    [Fact]
    public void Docs_map_every_module_variable_to_its_yaml_key()
    {
        var doc = File.ReadAllText(Repo.Path_("docs", "streaming.md"));
        var start = doc.IndexOf("## Configuration", StringComparison.Ordinal);
        var end = doc.IndexOf("## Terraform module", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/streaming.md needs '## Configuration' before '## Terraform module'");
        var rows = TableRowRegex().Matches(doc[start..end]).Select(m => m.Groups[1].Value).ToHashSet();
        using var iface = JsonDocument.Parse(File.ReadAllText(Repo.Fixture("firehose", "module_interface.json")));
        var missing = SeedVariables(iface.RootElement).Concat(_tf.DeclaredVariables()).Distinct().Where(v => !rows.Contains(v)).ToList();
        Assert.True(missing.Count == 0, "variables missing from the Configuration table of docs/streaming.md: " + string.Join(", ", missing));
    }

    /// <summary><c>./dativo stream tfvars</c> on the example stream file: formatted HCL of declared variables that the module plans with.</summary>
    [SkippableFact]
    public async Task Tfvars_generated_by_the_cli_pass_fmt_and_plan_with_the_module()
    {
        _tf.SkipUnlessTerraform();
        using var copy = await _tf.InitializedCopyAsync();
        var tfvars = Path.Combine(copy.Path, "tests", "fixtures", "dativo.auto.tfvars");
        File.Delete(tfvars);
        var cli = await CliRunner.RunAsync(Repo.Root, "stream", "tfvars", "--config", Repo.Path_("examples", "streams", "clickstream.yaml"), "--stream", "clickstream", "--out", tfvars);
        output.WriteLine(cli.All);
        Assert.True(cli.ExitCode == 0, $"./dativo stream tfvars exited {cli.ExitCode}:\n{cli.All}");
        var text = File.ReadAllText(tfvars);
        var undeclared = TerraformModule.TfvarsKeys(text).Where(k => !_tf.DeclaredVariables().Contains(k)).ToList();
        Assert.True(undeclared.Count == 0, "tfvars set undeclared variables: " + string.Join(", ", undeclared));
        var fmt = await _tf.RunAsync(copy.Path, "fmt", "-check", "-diff", "-no-color", tfvars);
        Assert.True(fmt.ExitCode == 0, $"generated tfvars are not as terraform fmt writes them:\n{fmt.All}");
        var test = await _tf.RunAsync(copy.Path, "test", "-no-color", "-test-directory=tests/fixtures");
        var (passed, failed) = test.TestSummary();
        Assert.True(test.ExitCode == 0 && failed == 0 && passed >= 1, $"terraform test with the generated tfvars failed:\n{test.All}");
    }

    private static IEnumerable<string> SeedVariables(JsonElement iface) =>
        iface.GetProperty("required").EnumerateObject().Concat(iface.GetProperty("optional").EnumerateObject()).Select(p => p.Name);

    [GeneratedRegex(@"^\|\s*`([a-z0-9_]+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex TableRowRegex();

}
