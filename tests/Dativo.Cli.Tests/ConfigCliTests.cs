using System.Text.Json.Nodes;
using Dativo.Testing;

namespace Dativo.Cli.Tests;

/// <summary>The foundation commands as a user runs them: check, tags, infra tfvars, run --job-dir.</summary>
public class ConfigCliTests
{
    private const string Asset = "name: orders\nversion: \"1.0\"\ndomain: sales\nschema:\n  - {name: id, type: long, required: true}\n  - {name: email, type: string, classification: PII}\nteam: {owner: team@acme.com}\ncompliance: {classification: [PII], retention_days: 30}\n";
    private const string Job = "tenant_id: acme\nsource_connector: csv\nasset: orders\nasset_path: asset.yaml\nsource:\n  files: [{path: data.csv}]\n";

    private static TempDir Folder(string job, string asset = Asset)
    {
        var tmp = new TempDir();
        tmp.File("asset.yaml", asset);
        tmp.File("data.csv", "id,email\n1,a@b.c\n");
        tmp.File("job.yaml", job);
        return tmp;
    }

    private static void AssertUserError(CliRunner.Result r, string location)
    {
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(location, r.Stderr);
        Assert.DoesNotContain("   at ", r.All); // never a stack trace for user error
    }

    [Fact]
    public async Task Check_accepts_a_valid_job()
    {
        using var tmp = Folder(Job);
        var r = await CliRunner.RunAsync(tmp.Path, "check", "--config", "job.yaml");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("ok: job.yaml", r.Stdout);
    }

    [Theory]
    [InlineData("tenant_id: acme\nsource_conector: csv\nasset_path: asset.yaml\n", "job.yaml:2:1", "did you mean 'source_connector'")]
    [InlineData("tenant_id: acme\nsource_connector: csv\nasset_path: asset.yaml\nsource:\n  files: {path: x}\n", "job.yaml:5:10", "expected a list, got a mapping")]
    [InlineData("tenant_id: [acme\n", "job.yaml:2:", "invalid YAML")]
    [InlineData("tenant_id: acme\nsource_connector: csv\nasset_path: missing.yaml\nsource:\n  files: [{path: x}]\n", "job.yaml:3:13", "contract file not found")]
    [InlineData("tenant_id: acme\nsource_connector: csvv\nasset_path: asset.yaml\n", "job.yaml:2:1", "did you mean 'csv'")]
    public async Task Bad_input_exits_2_with_file_and_line(string job, string location, string message)
    {
        using var tmp = Folder(job);
        var r = await CliRunner.RunAsync(tmp.Path, "check", "--config", "job.yaml");
        AssertUserError(r, location);
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public async Task Missing_job_file_exits_2()
    {
        using var tmp = new TempDir();
        var r = await CliRunner.RunAsync(tmp.Path, "check", "--config", "nope.yaml");
        AssertUserError(r, "nope.yaml");
        Assert.Contains("file not found", r.Stderr);
    }

    [Fact]
    public async Task Check_json_reports_errors_for_machines()
    {
        using var tmp = Folder(Job + "finops:\n  cost_centre: X\n");
        var r = await CliRunner.RunAsync(tmp.Path, "check", "--config", "job.yaml", "--json");
        Assert.Equal(2, r.ExitCode);
        var json = JsonNode.Parse(r.Stdout)!;
        Assert.False(json["valid"]!.GetValue<bool>());
        var error = json["errors"]![0]!;
        Assert.Equal(8, error["line"]!.GetValue<int>());
        Assert.Equal("finops.cost_centre", error["key_path"]!.GetValue<string>());
        Assert.Contains("cost_center", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Check_warns_about_unclassified_pii_columns()
    {
        using var tmp = Folder(Job, Asset.Replace("  - {name: email, type: string, classification: PII}", "  - {name: email, type: string, classification: PII}\n  - {name: phone_number, type: string}"));
        var r = await CliRunner.RunAsync(tmp.Path, "check", "--config", "job.yaml", "--json");
        Assert.Equal(0, r.ExitCode);
        var warning = JsonNode.Parse(r.Stdout)!["warnings"]![0]!;
        Assert.Equal("schema.phone_number", warning["key_path"]!.GetValue<string>());
        Assert.Equal(7, warning["line"]!.GetValue<int>());
    }

    [Fact]
    public async Task Tags_json_has_both_sets()
    {
        using var tmp = Folder(Job + "finops: {cost_center: CC-1}\n");
        var r = await CliRunner.RunAsync(tmp.Path, "tags", "--config", "job.yaml", "--json");
        Assert.Equal(0, r.ExitCode);
        var json = JsonNode.Parse(r.Stdout)!;
        Assert.Equal("pii", json["table_properties"]!["classification.fields.email"]!.GetValue<string>());
        Assert.Equal("sales", json["table_properties"]!["governance.domain"]!.GetValue<string>());
        Assert.Equal("CC-1", json["infrastructure_tags"]!["CostCenter"]!.GetValue<string>());
        Assert.Equal("true", json["infrastructure_tags"]!["ContainsPII"]!.GetValue<string>());
    }

    [Fact]
    public async Task Infra_tfvars_writes_deterministic_hcl_and_json()
    {
        var example = Path.Combine(Repo.Root, "examples", "jobs", "acme", "postgres_orders.yaml");
        using var tmp = new TempDir();
        var env = new Dictionary<string, string> { ["AWS_REGION"] = "eu-west-1" };
        var a = await CliRunner.RunAsync(tmp.Path, env, "infra", "tfvars", "--config", example, "--out", "a.auto.tfvars");
        var b = await CliRunner.RunAsync(tmp.Path, env, "infra", "tfvars", "--config", example, "--out", "b.auto.tfvars");
        var j = await CliRunner.RunAsync(tmp.Path, env, "infra", "tfvars", "--config", example, "--out", "c.tfvars.json");
        Assert.Equal(0, a.ExitCode + b.ExitCode + j.ExitCode);
        var first = File.ReadAllBytes(Path.Combine(tmp.Path, "a.auto.tfvars"));
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(tmp.Path, "b.auto.tfvars")));
        var text = System.Text.Encoding.UTF8.GetString(first);
        Assert.Matches(@"(?m)^aws_region +\= ""eu-west-1""$", text);
        Assert.Matches(@"(?m)^  ""ContainsPII"" +\= ""true""$", text);
        Assert.Matches(@"(?m)^instance_count +\= 8$", text);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(tmp.Path, "c.tfvars.json")))!;
        Assert.Equal(12, json["max_instances"]!.GetValue<int>());
    }

    [Fact]
    public async Task Run_job_dir_validates_every_job_before_running_any()
    {
        using var tmp = Folder(Job);
        tmp.File("jobs/good.yaml", Job.Replace("asset.yaml", "../asset.yaml"));
        tmp.File("jobs/bad.yaml", Job.Replace("asset.yaml", "../asset.yaml").Replace("tenant_id", "tennant_id"));
        var r = await CliRunner.RunAsync(tmp.Path, "run", "--job-dir", "jobs");
        AssertUserError(r, "bad.yaml:1:1");
        Assert.Contains("nothing was run", r.Stderr);
    }

    [Fact]
    public async Task Run_writes_tfvars_into_the_module_folder_for_jobs_with_infrastructure()
    {
        using var tmp = Folder(Job + "infrastructure:\n  terraform: {module_source: module}\n  runtime: {platform: emr}\n");
        Directory.CreateDirectory(Path.Combine(tmp.Path, "module"));
        var r = await CliRunner.RunAsync(tmp.Path, "run", "--config", "job.yaml");
        Assert.True(File.Exists(Path.Combine(tmp.Path, "module", "dativo.auto.tfvars")), r.All);
        Assert.Matches(@"(?m)^  ""Platform"" +\= ""emr""$", File.ReadAllText(Path.Combine(tmp.Path, "module", "dativo.auto.tfvars")));
    }

    [Theory]
    [InlineData("check")]
    [InlineData("run")]
    public async Task A_table_name_that_would_leave_the_warehouse_is_refused_with_the_rule(string command)
    {
        using var tmp = Folder(Job + "target:\n  warehouse: lake\n  table: ../escaped\n");
        tmp.File("data.csv", "id,email\n1,a@b.c\n");
        var r = await CliRunner.RunAsync(tmp.Path, command, "--config", "job.yaml");
        AssertUserError(r, "job.yaml:9:10");
        Assert.Contains("'../escaped' is not a valid table name: use lowercase letters, digits and '_', starting with a letter", r.Stderr);
        Assert.DoesNotContain("ArgumentException", r.All);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "escaped")), "nothing is written outside the warehouse");
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "sales", "escaped")));
    }

    [Fact]
    public async Task Check_reports_a_second_yaml_document_at_its_line()
    {
        using var tmp = Folder(Job + "---\ntenant_id: other\n");
        var r = await CliRunner.RunAsync(tmp.Path, "check", "--config", "job.yaml");
        AssertUserError(r, "job.yaml:7:1");
        Assert.Contains("a second YAML document starts here", r.Stderr);
    }
}
