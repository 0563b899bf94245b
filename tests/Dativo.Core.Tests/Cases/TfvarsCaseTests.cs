using Dativo.Core.Config.Jobs;
using Dativo.Core.Infrastructure;
using Dativo.Testing;

namespace Dativo.Core.Tests.Cases;

public class TfvarsCaseTests
{
    private static string Render(string jobPath, Func<string, string?>? env = null)
    {
        env ??= _ => null;
        var job = JobLoader.Load(jobPath, env, use: JobUse.Tags);
        return TfvarsWriter.Render(TerraformVariables.Build(job, env), "dativo.auto.tfvars", "job.yaml");
    }

    [Fact]
    public void Case06_gives_the_reference_variables_with_the_documented_fixes()
    {
        using var tmp = new TempDir();
        var text = Render(CaseFiles.Prepare(tmp, "case06_tfvars_emr_readme_job"));
        var expected = File.ReadAllText(Path.Combine(Repo.Root, "tests", "Dativo.Core.Tests", "Cases", "case06.expected.auto.tfvars"));
        Assert.Equal(expected, text);

        // Everything the reference emitted is there, except the documented fixes.
        var reference = File.ReadAllLines(Path.Combine(CaseFiles.Dir("case06_tfvars_emr_readme_job"), "expected_dativo.auto.tfvars"))
            .Where(l => !l.StartsWith('#'))
            .Where(l => !l.Contains("LastModified") && !l.Contains("\"Status\"") && !l.Contains("AssetTag_") && !l.Contains("ManagedBy"))
            .Where(l => !l.StartsWith("security_group_ids"))
            .Select(l => Aligned(l.Replace("SOX,PCI-DSS", "SOX/PCI-DSS")));
        var ours = text.Split('\n').Select(Aligned).ToList();
        foreach (var line in reference) Assert.Contains(line, ours);
    }

    /// <summary>A line without the padding terraform fmt puts before '=' (the reference aligned differently).</summary>
    private static string Aligned(string line) => System.Text.RegularExpressions.Regex.Replace(line, @"^(\s*\S+)\s+= ", "$1 = ");

    [Fact]
    public void Same_input_twice_gives_identical_bytes()
    {
        using var tmp = new TempDir();
        var path = CaseFiles.Prepare(tmp, "case06_tfvars_emr_readme_job");
        Assert.Equal(Render(path), Render(path));
    }

    [Fact]
    public void Strings_are_escaped_so_terraform_never_interpolates_them()
    {
        Assert.Equal("\"a$${b}c\"", TfvarsWriter.Quote("a${b}c"));
        Assert.Equal("\"%%{ if x }\"", TfvarsWriter.Quote("%{ if x }"));
        Assert.Equal("\"say \\\"hi\\\"\\n\\\\\"", TfvarsWriter.Quote("say \"hi\"\n\\"));
        Assert.Equal("\"$5 and 100%\"", TfvarsWriter.Quote("$5 and 100%"));
    }

    [Fact]
    public void Metadata_variables_override_derived_ones_in_place_and_json_output_works()
    {
        using var tmp = new TempDir();
        var path = CaseFiles.Prepare(tmp, "case06_tfvars_emr_readme_job");
        File.WriteAllText(path, File.ReadAllText(path).Replace("      log_retention_days: 30", "      log_retention_days: 30\n      instance_type: m5.xlarge\n      nested: {a: [1, \"x\"], b: null}"));
        var job = JobLoader.Load(path, _ => null, use: JobUse.Tags);
        var vars = TerraformVariables.Build(job, _ => null);

        Assert.Equal("m5.xlarge", vars.Single(v => v.Key == "instance_type").Value!.GetValue<string>());
        Assert.True(vars.ToList().FindIndex(v => v.Key == "instance_type") < vars.ToList().FindIndex(v => v.Key == "s3_bucket"));
        var json = TfvarsWriter.Render(vars, "x.tfvars.json", "job.yaml");
        var parsed = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        Assert.Equal("acme", parsed["tenant_id"]!.GetValue<string>());
        Assert.Equal(8, parsed["instance_count"]!.GetValue<int>());
        var hcl = TfvarsWriter.Render(vars, "x.auto.tfvars", "job.yaml");
        Assert.Contains("nested = {\n  \"a\" = [1, \"x\"]\n  \"b\" = null\n}", hcl);
    }
}
