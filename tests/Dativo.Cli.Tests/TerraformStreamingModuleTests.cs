using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
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
    private static readonly string ModuleDir = Repo.Path_("terraform", "aws", "streaming-analytics");

    [SkippableFact]
    public async Task Fmt_validate_and_the_test_suite_pass()
    {
        SkipUnlessTerraform();
        using var copy = await InitializedCopyAsync();
        var fmt = await TerraformAsync(copy.Path, "fmt", "-check", "-recursive", "-diff", "-no-color");
        Assert.True(fmt.ExitCode == 0, $"terraform fmt -check found unformatted files:\n{fmt.All}");
        var validate = await TerraformAsync(copy.Path, "validate", "-no-color");
        Assert.True(validate.ExitCode == 0 && validate.Stdout.Contains("The configuration is valid", StringComparison.Ordinal), validate.All);
        var test = await TerraformAsync(copy.Path, "test", "-no-color");
        var (passed, failed) = Summary(test);
        Assert.True(test.ExitCode == 0 && failed == 0, $"terraform test failed:\n{test.All}");
        Assert.True(passed >= 18, $"expected at least 18 passing runs, got {passed}:\n{test.All}");
    }

    [Fact]
    public void Module_declares_every_input_and_output_of_the_seed_module()
    {
        using var iface = JsonDocument.Parse(File.ReadAllText(Repo.Fixture("firehose", "module_interface.json")));
        var declared = DeclaredVariables();
        foreach (var v in SeedVariables(iface.RootElement)) Assert.Contains(v, declared);
        var outputs = OutputRegex().Matches(AllTf()).Select(m => m.Groups[1].Value).ToHashSet();
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
        var missing = SeedVariables(iface.RootElement).Concat(DeclaredVariables()).Distinct().Where(v => !rows.Contains(v)).ToList();
        Assert.True(missing.Count == 0, "variables missing from the Configuration table of docs/streaming.md: " + string.Join(", ", missing));
    }

    /// <summary><c>./dativo stream tfvars</c> on the example stream file: formatted HCL of declared variables that the module plans with.</summary>
    [SkippableFact]
    public async Task Tfvars_generated_by_the_cli_pass_fmt_and_plan_with_the_module()
    {
        SkipUnlessTerraform();
        using var copy = await InitializedCopyAsync();
        var tfvars = Path.Combine(copy.Path, "tests", "fixtures", "dativo.auto.tfvars");
        File.Delete(tfvars);
        var cli = await CliRunner.RunAsync(Repo.Root, "stream", "tfvars", "--config", Repo.Path_("examples", "streams", "clickstream.yaml"), "--stream", "clickstream", "--out", tfvars);
        output.WriteLine(cli.All);
        Assert.True(cli.ExitCode == 0, $"./dativo stream tfvars exited {cli.ExitCode}:\n{cli.All}");
        var text = File.ReadAllText(tfvars);
        var undeclared = TfvarsKeyRegex().Matches(text).Select(m => m.Groups[1].Value).Where(k => !DeclaredVariables().Contains(k)).ToList();
        Assert.True(undeclared.Count == 0, "tfvars set undeclared variables: " + string.Join(", ", undeclared));
        var fmt = await TerraformAsync(copy.Path, "fmt", "-check", "-diff", "-no-color", tfvars);
        Assert.True(fmt.ExitCode == 0, $"generated tfvars are not as terraform fmt writes them:\n{fmt.All}");
        var test = await TerraformAsync(copy.Path, "test", "-no-color", "-test-directory=tests/fixtures");
        var (passed, failed) = Summary(test);
        Assert.True(test.ExitCode == 0 && failed == 0 && passed >= 1, $"terraform test with the generated tfvars failed:\n{test.All}");
    }

    private static IEnumerable<string> SeedVariables(JsonElement iface) =>
        iface.GetProperty("required").EnumerateObject().Concat(iface.GetProperty("optional").EnumerateObject()).Select(p => p.Name);

    private static HashSet<string> DeclaredVariables() => VariableRegex().Matches(AllTf()).Select(m => m.Groups[1].Value).ToHashSet();

    private static string AllTf() => string.Join("\n", Directory.GetFiles(ModuleDir, "*.tf").Order(StringComparer.Ordinal).Select(File.ReadAllText));

    private static (int Passed, int Failed) Summary(ProcessResult r)
    {
        var m = SummaryRegex().Match(r.Stdout);
        return m.Success ? (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)) : (0, -1);
    }

    private static string? TerraformPath()
    {
        var fromEnv = Environment.GetEnvironmentVariable("TERRAFORM");
        if (!string.IsNullOrEmpty(fromEnv)) return File.Exists(fromEnv) ? fromEnv : null;
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "terraform")).FirstOrDefault(File.Exists);
    }

    private static string PluginDir => Environment.GetEnvironmentVariable("DATIVO_TF_PLUGIN_DIR") is { Length: > 0 } d ? d : "/opt/tf-plugins";

    private void SkipUnlessTerraform()
    {
        string? reason = null;
        if (TerraformPath() is null) reason = "terraform not found on PATH (or $TERRAFORM): Terraform module tests skipped";
        else if (!Directory.Exists(Path.Combine(PluginDir, "registry.terraform.io", "hashicorp", "aws")))
            reason = $"AWS provider mirror not found in {PluginDir} (set DATIVO_TF_PLUGIN_DIR): Terraform module tests skipped";
        if (reason is not null) output.WriteLine(reason);
        Skip.If(reason is not null, reason);
    }

    private async Task<TempDir> InitializedCopyAsync()
    {
        var copy = new TempDir("dativo-tf-stream-");
        foreach (var file in Directory.EnumerateFiles(ModuleDir, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(ModuleDir, file);
            var atRoot = !rel.Contains(Path.DirectorySeparatorChar);
            if (rel.Split(Path.DirectorySeparatorChar).Contains(".terraform") || rel.EndsWith(".terraform.lock.hcl", StringComparison.Ordinal)
                || rel.Contains(".tfstate", StringComparison.Ordinal) || (atRoot && rel.Contains(".tfvars", StringComparison.Ordinal)))
                continue;
            File.Copy(file, copy.File(rel));
        }
        var r = await TerraformAsync(copy.Path, "init", "-backend=false", "-input=false", "-no-color", $"-plugin-dir={PluginDir}");
        if (r.ExitCode != 0)
        {
            copy.Dispose();
            Assert.Fail($"terraform init failed:\n{r.All}");
        }
        return copy;
    }

    private sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    private async Task<ProcessResult> TerraformAsync(string workingDir, params string[] args)
    {
        var psi = new ProcessStartInfo(TerraformPath()!) { WorkingDirectory = workingDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TF_IN_AUTOMATION"] = "1";
        psi.Environment["TF_INPUT"] = "0";
        psi.Environment["CHECKPOINT_DISABLE"] = "1";
        foreach (var key in new[] { "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" }) psi.Environment.Remove(key);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"terraform {string.Join(' ', args)} did not finish within 5 minutes");
        }
        var result = new ProcessResult(p.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ terraform {string.Join(' ', args)}  (exit {result.ExitCode})\n{result.All}");
        return result;
    }

    [GeneratedRegex(@"^\s*variable\s+""([^""]+)""", RegexOptions.Multiline)]
    private static partial Regex VariableRegex();

    [GeneratedRegex(@"^\s*output\s+""([^""]+)""", RegexOptions.Multiline)]
    private static partial Regex OutputRegex();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_-]*)\s*=", RegexOptions.Multiline)]
    private static partial Regex TfvarsKeyRegex();

    [GeneratedRegex(@"^\|\s*`([a-z0-9_]+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex TableRowRegex();

    [GeneratedRegex(@"(\d+) passed, (\d+) failed")]
    private static partial Regex SummaryRegex();
}
