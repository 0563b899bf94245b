using System.Diagnostics;
using System.Text.RegularExpressions;
using Dativo.Testing;
using Xunit.Abstractions;

namespace Dativo.Cli.Tests.Support;

/// <summary>
/// Runs the terraform binary on temporary copies of one module of terraform/aws (so parallel tests never share a
/// .terraform directory), with the offline provider mirror, no credentials and no network; and reads its declarations.
/// </summary>
internal sealed partial class TerraformModule(string moduleDir, ITestOutputHelper output)
{
    public string Dir => moduleDir;

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;

        public (int Passed, int Failed) TestSummary()
        {
            var m = SummaryRegex().Match(Stdout);
            return m.Success ? (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)) : (0, -1);
        }
    }

    private static string? TerraformPath()
    {
        var fromEnv = Environment.GetEnvironmentVariable("TERRAFORM");
        if (!string.IsNullOrEmpty(fromEnv)) return File.Exists(fromEnv) ? fromEnv : null;
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "terraform")).FirstOrDefault(File.Exists);
    }

    private static string PluginDir =>
        Environment.GetEnvironmentVariable("DATIVO_TF_PLUGIN_DIR") is { Length: > 0 } d ? d : "/opt/tf-plugins";

    /// <summary>Skips the test, with the reason printed, when terraform (or, if needed, the AWS provider mirror) is missing.</summary>
    public void SkipUnlessTerraform(bool needsProviders = true)
    {
        string? reason = null;
        if (TerraformPath() is null)
            reason = "terraform not found on PATH (or $TERRAFORM): Terraform module tests skipped";
        else if (needsProviders && !Directory.Exists(Path.Combine(PluginDir, "registry.terraform.io", "hashicorp", "aws")))
            reason = $"AWS provider mirror not found in {PluginDir} (set DATIVO_TF_PLUGIN_DIR): Terraform module tests skipped";
        if (reason is not null) output.WriteLine(reason);
        Skip.If(reason is not null, reason);
    }

    /// <summary>
    /// A copy of the module without working state and without variables a user generated into the module directory
    /// (<c>--out terraform/aws/…/dativo.auto.tfvars</c>): Terraform would load them.
    /// </summary>
    public TempDir Copy()
    {
        var dir = new TempDir("dativo-tf-");
        foreach (var file in Directory.EnumerateFiles(moduleDir, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(moduleDir, file);
            var atRoot = !rel.Contains(Path.DirectorySeparatorChar);
            if (rel.Split(Path.DirectorySeparatorChar).Contains(".terraform") || rel.EndsWith(".terraform.lock.hcl", StringComparison.Ordinal)
                || rel.Contains(".tfstate", StringComparison.Ordinal)
                || (atRoot && (rel.EndsWith(".tfvars", StringComparison.Ordinal) || rel.EndsWith(".tfvars.json", StringComparison.Ordinal))))
                continue;
            File.Copy(file, dir.File(rel));
        }
        return dir;
    }

    /// <summary>A copy on which <c>terraform init</c> ran against the offline provider mirror.</summary>
    public async Task<TempDir> InitializedCopyAsync()
    {
        var copy = Copy();
        var r = await RunAsync(copy.Path, "init", "-backend=false", "-input=false", "-no-color", $"-plugin-dir={PluginDir}");
        if (r.ExitCode != 0)
        {
            copy.Dispose();
            Assert.Fail($"terraform init failed:\n{r.All}");
        }
        return copy;
    }

    public async Task<Result> RunAsync(string workingDir, params string[] args)
    {
        var psi = new ProcessStartInfo(TerraformPath()!) { WorkingDirectory = workingDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TF_IN_AUTOMATION"] = "1";
        psi.Environment["TF_INPUT"] = "0";
        psi.Environment["CHECKPOINT_DISABLE"] = "1"; // no version check over the network
        // Never pick up real credentials: the tests run against a mocked provider.
        foreach (var key in new[] { "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" })
            psi.Environment.Remove(key);

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
        var result = new Result(p.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ terraform {string.Join(' ', args)}  (exit {result.ExitCode})");
        if (args[0] != "providers") output.WriteLine(result.All);
        return result;
    }

    /// <summary>Every *.tf file of the module (or of a copy), in name order.</summary>
    public string AllTf(string? dir = null) =>
        string.Join("\n", Directory.GetFiles(dir ?? moduleDir, "*.tf").Order(StringComparer.Ordinal).Select(File.ReadAllText));

    public HashSet<string> DeclaredVariables(string? dir = null) =>
        VariableRegex().Matches(AllTf(dir)).Select(m => m.Groups[1].Value).ToHashSet();

    public HashSet<string> DeclaredOutputs() => OutputRegex().Matches(AllTf()).Select(m => m.Groups[1].Value).ToHashSet();

    public static List<string> TfvarsKeys(string tfvars) => TfvarsKeyRegex().Matches(tfvars).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"^\s*variable\s+""([^""]+)""", RegexOptions.Multiline)]
    private static partial Regex VariableRegex();

    [GeneratedRegex(@"^\s*output\s+""([^""]+)""", RegexOptions.Multiline)]
    private static partial Regex OutputRegex();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_-]*)\s*=", RegexOptions.Multiline)]
    private static partial Regex TfvarsKeyRegex();

    [GeneratedRegex(@"(\d+) passed, (\d+) failed")]
    private static partial Regex SummaryRegex();
}
