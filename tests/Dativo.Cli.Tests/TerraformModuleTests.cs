using System.Text.Json;
using System.Text.RegularExpressions;
using Dativo.Cli.Tests.Support;
using Dativo.Testing;
using Xunit.Abstractions;

namespace Dativo.Cli.Tests;

/// <summary>
/// The Terraform module terraform/aws/emr-dativo: formatting, validation, its own <c>terraform test</c> suite
/// (mocked AWS provider, no credentials, no network), static checks (declared/used variables, tags on every
/// taggable resource) and the tfvars written by <c>./dativo infra tfvars</c>. Every test works on a temporary copy
/// of the module so parallel runs never share a .terraform directory. Skipped when terraform or the offline
/// provider mirror is missing.
/// </summary>
public sealed partial class TerraformModuleTests(ITestOutputHelper output)
{
    private static readonly string ModuleDir = Repo.Path_("terraform", "aws", "emr-dativo");
    private readonly TerraformModule _tf = new(ModuleDir, output);

    // ---------------------------------------------------------------------------------------------------
    // terraform commands
    // ---------------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Terraform_fmt_check_passes()
    {
        _tf.SkipUnlessTerraform(needsProviders: false);
        using var copy = _tf.Copy();
        var r = await _tf.RunAsync(copy.Path, "fmt", "-check", "-recursive", "-diff", "-no-color");
        Assert.True(r.ExitCode == 0, $"terraform fmt -check found unformatted files:\n{r.All}");
    }

    [SkippableFact]
    public async Task Terraform_validate_passes()
    {
        _tf.SkipUnlessTerraform();
        using var copy = await _tf.InitializedCopyAsync();
        var r = await _tf.RunAsync(copy.Path, "validate", "-no-color");
        Assert.True(r.ExitCode == 0, $"terraform validate failed:\n{r.All}");
        Assert.Contains("The configuration is valid", r.Stdout);
    }

    [SkippableFact]
    public async Task Terraform_test_suite_passes()
    {
        _tf.SkipUnlessTerraform();
        using var copy = await _tf.InitializedCopyAsync();
        var r = await _tf.RunAsync(copy.Path, "test", "-no-color");
        var (passed, failed) = r.TestSummary();
        Assert.True(r.ExitCode == 0 && failed == 0, $"terraform test failed:\n{r.All}");
        Assert.True(passed >= 16, $"expected at least 16 passing runs, got {passed}:\n{r.All}");
    }

    [SkippableFact]
    public async Task Module_plans_with_the_tfvars_fixture()
    {
        _tf.SkipUnlessTerraform();
        using var copy = await _tf.InitializedCopyAsync();
        await AssertFixtureTestPassesAsync(copy.Path);
    }

    // ---------------------------------------------------------------------------------------------------
    // static checks
    // ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Tfvars_fixture_declares_only_module_variables()
    {
        var tfvars = File.ReadAllText(Path.Combine(ModuleDir, "tests", "fixtures", "dativo.auto.tfvars"));
        AssertOnlyDeclaredVariables(tfvars, _tf.DeclaredVariables());
        // The variables the CLI writes for the README job, in its order (unset ones such as security_group_ids are
        // left out so module defaults apply; metadata.variables follow).
        Assert.Equal(
            ["tenant_id", "environment", "aws_region", "tags", "classification_tags", "finops_tags", "instance_type",
             "instance_count", "enable_autoscaling", "min_instances", "max_instances", "s3_bucket", "vpc_id", "subnet_ids",
             "enable_spot_instances", "log_retention_days"],
            TerraformModule.TfvarsKeys(tfvars));
    }

    [Fact]
    public void Module_declares_every_input_and_output_of_the_readme()
    {
        var declared = _tf.DeclaredVariables();
        string[] inputs =
        [
            "tenant_id", "environment", "aws_region", "tags", "classification_tags", "finops_tags", "instance_type",
            "instance_count", "enable_autoscaling", "min_instances", "max_instances", "vpc_id", "subnet_ids", "s3_bucket",
            "enable_spot_instances", "log_retention_days", "enable_encryption", "kms_key_alias", "security_group_ids",
        ];
        foreach (var v in inputs) Assert.Contains(v, declared);

        var outputs = _tf.DeclaredOutputs();
        foreach (var o in new[] { "emr_cluster_id", "emr_cluster_arn", "emr_master_public_dns", "emr_log_bucket", "applied_tags", "classification_tags", "finops_tags" })
            Assert.Contains(o, outputs);
    }

    [Fact]
    public void Every_variable_is_used_outside_its_declaration()
    {
        // Uses in variables.tf are validations of other variables; a real use is in a resource, local, check or output.
        var code = string.Join("\n", Directory.GetFiles(ModuleDir, "*.tf").Where(f => Path.GetFileName(f) != "variables.tf").Select(File.ReadAllText));
        var unused = _tf.DeclaredVariables().Where(v => !Regex.IsMatch(code, $@"\bvar\.{Regex.Escape(v)}\b")).ToList();
        Assert.True(unused.Count == 0, "unused variables: " + string.Join(", ", unused));
    }

    [Fact]
    public void Module_has_no_time_based_values()
    {
        // A timestamp() tag (the reference module's CreatedAt) changes on every plan.
        var code = CommentRegex().Replace(_tf.AllTf(), "");
        Assert.DoesNotContain("timestamp()", code);
        Assert.DoesNotContain("plantimestamp()", code);
    }

    [SkippableFact]
    public async Task Every_taggable_resource_sets_tags()
    {
        _tf.SkipUnlessTerraform();
        using var copy = await _tf.InitializedCopyAsync();
        var r = await _tf.RunAsync(copy.Path, "providers", "schema", "-json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var schema = JsonDocument.Parse(r.Stdout);
        var resourceSchemas = schema.RootElement.GetProperty("provider_schemas")
            .GetProperty("registry.terraform.io/hashicorp/aws").GetProperty("resource_schemas");

        var missing = new List<string>();
        var checkedCount = 0;
        foreach (var (type, name, body) in ResourceBlocks(_tf.AllTf()))
        {
            var taggable = resourceSchemas.GetProperty(type).GetProperty("block").TryGetProperty("attributes", out var attrs)
                && attrs.TryGetProperty("tags", out _);
            if (!taggable) continue;
            checkedCount++;
            if (!TagsAssignmentRegex().IsMatch(body)) missing.Add($"{type}.{name}");
        }
        Assert.True(checkedCount >= 10, $"only {checkedCount} taggable resources found: is the block parser broken?");
        Assert.True(missing.Count == 0, "taggable resources without tags: " + string.Join(", ", missing));
    }

    // ---------------------------------------------------------------------------------------------------
    // CLI → tfvars → module
    // ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// The contract with the CLI: <c>./dativo infra tfvars --config JOB --out PATH</c> writes HCL and exits 0;
    /// the module then plans with that file exactly as with the fixture.
    /// </summary>
    [SkippableFact]
    public async Task Tfvars_generated_by_the_cli_plan_with_the_module()
    {
        _tf.SkipUnlessTerraform();
        using var work = new TempDir("dativo-tf-job-");
        var job = WriteCase06Job(work);

        using var copy = await _tf.InitializedCopyAsync();
        var tfvarsPath = Path.Combine(copy.Path, "tests", "fixtures", "dativo.auto.tfvars");
        File.Delete(tfvarsPath);
        var cli = await CliRunner.RunAsync(Repo.Root, "infra", "tfvars", "--config", job, "--out", tfvarsPath);
        output.WriteLine(cli.All);
        Assert.True(cli.ExitCode == 0, $"./dativo infra tfvars exited {cli.ExitCode}:\n{cli.All}");
        Assert.True(File.Exists(tfvarsPath), "./dativo infra tfvars did not write " + tfvarsPath);

        var tfvars = File.ReadAllText(tfvarsPath);
        output.WriteLine(tfvars);
        AssertOnlyDeclaredVariables(tfvars, _tf.DeclaredVariables(copy.Path));
        await AssertFixtureTestPassesAsync(copy.Path);
    }

    /// <summary>
    /// What the CLI writes is already formatted: <c>terraform fmt -check</c> passes on it, for the README job and for
    /// metadata.variables with nested objects, lists of objects and non-ASCII keys. Needs only the terraform binary.
    /// </summary>
    [SkippableFact]
    public async Task Tfvars_generated_by_the_cli_pass_terraform_fmt_check()
    {
        _tf.SkipUnlessTerraform(needsProviders: false);
        using var work = new TempDir("dativo-tf-fmt-");
        var job = WriteCase06Job(work);
        File.WriteAllText(job, File.ReadAllText(job).Replace("      log_retention_days: 30\n",
            "      log_retention_days: 30\n      extra_settings: {a: 1, longer_key: [1, 2], nested: {x: y, \"ünïcode key\": true}, empty: {}, rules: [{p: 1}, {priority: 2, tags: [a]}]}\n",
            StringComparison.Ordinal));
        var tfvarsPath = Path.Combine(work.Path, "dativo.auto.tfvars");
        var cli = await CliRunner.RunAsync(Repo.Root, "infra", "tfvars", "--config", job, "--out", tfvarsPath);
        Assert.True(cli.ExitCode == 0, $"./dativo infra tfvars exited {cli.ExitCode}:\n{cli.All}");
        Assert.Contains("warning: infrastructure.metadata.variables.extra_settings: 'extra_settings' is not a variable of terraform/aws/emr-dativo", cli.Stderr);
        output.WriteLine(File.ReadAllText(tfvarsPath));

        var r = await _tf.RunAsync(work.Path, "fmt", "-check", "-diff", "-no-color", tfvarsPath);
        Assert.True(r.ExitCode == 0, $"terraform fmt -check would reformat the generated tfvars:\n{r.All}");
    }

    /// <summary>The README job (case06) with its asset next to it; connector paths left to the built-in recipes.</summary>
    private static string WriteCase06Job(TempDir dir)
    {
        dir.File(Path.Combine("assets", "postgres", "v1.0", "db_orders.yaml"), """
            asset:
              name: postgres_orders
              source_type: postgres
              object: db_orders
              version: "1.0"
              schema:
                - name: id
                  type: bigint
                  required: true
                - name: updated_at
                  type: timestamp
                  required: true
                - name: total_amount
                  type: double
                  required: false
              governance:
                owner: data-team@company.com
                tags: [orders, transactions]
              compliance:
                classification: [SENSITIVE]
                retention_days: 30
                regulations: [SOX, PCI-DSS]
              finops:
                cost_center: FIN-002
                business_tags: [revenue, orders]
                project: order-management
                environment: production
              target:
                file_format: parquet
                partitioning: [ingest_date]
                mode: strict

            """);
        return dir.File(Path.Combine("jobs", "acme", "postgres_orders.yaml"), """
            tenant_id: acme
            environment: prod

            infrastructure:
              provider: terraform
              terraform:
                module_source: "../../terraform/aws/emr-dativo"
                workspace: "prod"
              runtime:
                platform: emr
                compute:
                  cluster_id: "${EMR_CLUSTER_ID}"
                  instance_type: "r5.2xlarge"
                  instance_count: 8
                  auto_scaling:
                    enabled: true
                    min_instances: 4
                    max_instances: 12
                storage:
                  bucket: "acme-data-lake-prod"
                network:
                  vpc_id: "vpc-0a1b2c3d"
                  subnet_ids: ["subnet-abc123", "subnet-def456"]
              metadata:
                tags:
                  CostCenter: "data-engineering"
                  Project: "customer-analytics"
                  Environment: "production"
                variables:
                  enable_spot_instances: true
                  log_retention_days: 30

            source_connector: postgres
            target_connector: iceberg

            asset: postgres_orders
            asset_path: ../../assets/postgres/v1.0/db_orders.yaml

            """);
    }

    // ---------------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------------

    private async Task AssertFixtureTestPassesAsync(string moduleCopy)
    {
        var r = await _tf.RunAsync(moduleCopy, "test", "-no-color", "-test-directory=tests/fixtures");
        var (passed, failed) = r.TestSummary();
        Assert.True(r.ExitCode == 0 && failed == 0 && passed >= 1, $"terraform test with the tfvars fixture failed:\n{r.All}");
    }

    private static void AssertOnlyDeclaredVariables(string tfvars, IReadOnlySet<string> declared)
    {
        var undeclared = TerraformModule.TfvarsKeys(tfvars).Where(k => !declared.Contains(k)).ToList();
        Assert.True(undeclared.Count == 0, "tfvars set undeclared variables (Terraform warns and ignores them): " + string.Join(", ", undeclared));
    }

    /// <summary>Top-level resource blocks (type, name, body), found by brace matching.</summary>
    private static IEnumerable<(string Type, string Name, string Body)> ResourceBlocks(string code)
    {
        foreach (Match m in ResourceRegex().Matches(code))
        {
            var depth = 0;
            var start = m.Index + m.Length - 1; // the opening brace
            for (var i = start; i < code.Length; i++)
            {
                if (code[i] == '{') depth++;
                else if (code[i] == '}' && --depth == 0)
                {
                    yield return (m.Groups[1].Value, m.Groups[2].Value, code[start..(i + 1)]);
                    break;
                }
            }
        }
    }

    [GeneratedRegex(@"^resource\s+""([^""]+)""\s+""([^""]+)""\s*\{", RegexOptions.Multiline)]
    private static partial Regex ResourceRegex();

    [GeneratedRegex(@"^\s*tags\s*=", RegexOptions.Multiline)]
    private static partial Regex TagsAssignmentRegex();

    [GeneratedRegex(@"(^|\s)(#|//).*$", RegexOptions.Multiline)]
    private static partial Regex CommentRegex();
}
