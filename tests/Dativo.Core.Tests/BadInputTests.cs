using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Testing;

namespace Dativo.Core.Tests;

/// <summary>Every kind of bad input is refused with file:line:column, the key path and a way to fix it.</summary>
public class BadInputTests
{
    private const string Asset = """
        name: orders
        version: "1.0"
        schema:
          - {name: id, type: long, required: true}
          - {name: email, type: string, classification: PII}
          - {name: created_at, type: timestamp}
        team: {owner: team@acme.com}
        """;

    private static ConfigException LoadFails(string job, string? asset = Asset, Func<string, string?>? env = null)
    {
        using var tmp = new TempDir();
        if (asset is not null) tmp.File("asset.yaml", asset);
        tmp.File("data.csv", "id,email,created_at\n");
        var path = tmp.File("job.yaml", job);
        return Assert.Throws<ConfigException>(() => JobLoader.Load(path, env ?? (_ => null)));
    }

    private const string GoodHead = "tenant_id: acme\nsource_connector: csv\nasset_path: asset.yaml\nasset: orders\nsource:\n  files: [{path: data.csv}]\n";

    [Fact]
    public void Unknown_key_names_line_and_suggests_the_near_miss()
    {
        var e = LoadFails(GoodHead + "clasification_overrides:\n  email: pii\n");
        var issue = Assert.Single(e.Issues);
        Assert.Equal((7, 1), (issue.Line, issue.Column));
        Assert.Equal("clasification_overrides", issue.KeyPath);
        Assert.Contains("did you mean 'classification_overrides'", issue.Message);
        Assert.Contains("job.yaml:7:1", e.Message);
        Assert.Equal(2, e.ExitCode);
    }

    [Fact]
    public void Nested_unknown_key_has_its_full_path()
    {
        var e = LoadFails(GoodHead + "target:\n  partitionning: [created_at]\n");
        var issue = Assert.Single(e.Issues);
        Assert.Equal("target.partitionning", issue.KeyPath);
        Assert.Equal(8, issue.Line);
        Assert.Contains("did you mean 'partitioning'", issue.Message);
    }

    [Fact]
    public void Wrong_type_names_what_was_expected()
    {
        var e = LoadFails(GoodHead + "infrastructure:\n  runtime:\n    compute:\n      instance_count: many\n");
        var issue = Assert.Single(e.Issues);
        Assert.Equal("infrastructure.runtime.compute.instance_count", issue.KeyPath);
        Assert.Equal((10, 23), (issue.Line, issue.Column));
        Assert.Contains("expected an integer, got 'many'", issue.Message);
    }

    [Fact]
    public void Mapping_where_a_list_belongs()
    {
        var e = LoadFails(GoodHead + "target:\n  partitioning: {a: 1}\n");
        Assert.Contains("expected a list, got a mapping", Assert.Single(e.Issues).Message);
    }

    [Fact]
    public void Bad_enum_value_suggests()
    {
        var e = LoadFails(GoodHead + "schema_validation_mode: strct\n");
        Assert.Contains("did you mean 'strict'", Assert.Single(e.Issues).Message);
    }

    [Fact]
    public void Missing_required_key()
    {
        var e = LoadFails("source_connector: csv\nasset: orders\nasset_path: asset.yaml\nsource:\n  files: [{path: data.csv}]\n");
        var issue = Assert.Single(e.Issues);
        Assert.Equal("tenant_id", issue.KeyPath);
        Assert.Contains("missing required key 'tenant_id'", issue.Message);
    }

    [Fact]
    public void Bad_yaml_reports_where_the_parser_stopped()
    {
        var e = LoadFails("tenant_id: acme\nsource:\n  files: [unclosed\n");
        var issue = Assert.Single(e.Issues);
        Assert.True(issue.Line >= 3, issue.ToString());
        Assert.Contains("invalid YAML", issue.Message);
    }

    [Fact]
    public void Missing_contract_file_points_at_asset_path()
    {
        var e = LoadFails(GoodHead.Replace("asset.yaml", "nope.yaml"), asset: null);
        var issue = Assert.Single(e.Issues);
        Assert.Equal("asset_path", issue.KeyPath);
        Assert.Equal(3, issue.Line);
        Assert.Contains("contract file not found", issue.Message);
    }

    [Fact]
    public void Missing_connector_recipe_says_the_builtin_can_be_used()
    {
        var e = LoadFails(GoodHead + "source_connector_path: /app/connectors/csv.yaml\n");
        var issue = Assert.Single(e.Issues);
        Assert.Equal(7, issue.Line);
        Assert.Contains("'csv' is built in", issue.Message);
    }

    [Fact]
    public void Unset_environment_variable_is_an_error_but_runtime_only_values_may_stay_unset()
    {
        var e = LoadFails(GoodHead + "target:\n  warehouse: ${LAKE_ROOT}\n");
        Assert.Contains("environment variable LAKE_ROOT is not set", Assert.Single(e.Issues).Message);

        using var tmp = new TempDir();
        tmp.File("asset.yaml", Asset);
        tmp.File("data.csv", "id\n");
        var ok = tmp.File("job.yaml", GoodHead + "target:\n  warehouse: ${LAKE_ROOT:-/tmp/lake}\ninfrastructure:\n  runtime:\n    compute: {cluster_id: \"${EMR_CLUSTER_ID}\"}\n");
        var job = JobLoader.Load(ok, _ => null);
        Assert.Equal("/tmp/lake", job.Config.Target.Warehouse);
        Assert.Equal("${EMR_CLUSTER_ID}", job.Config.Infrastructure!.Runtime!.Compute!.ClusterId);
    }

    [Fact]
    public void Contract_errors_are_located_in_the_contract_file()
    {
        var e = LoadFails(GoodHead, asset: "name: orders\nversion: 1\nschema:\n  - {name: id, type: lnog}\n");
        Assert.Contains(e.Issues, i => i.File.EndsWith("asset.yaml") && i.Line == 4 && i.Message.Contains("did you mean 'long'"));
    }

    [Fact]
    public void Contract_without_owner_is_refused()
    {
        var e = LoadFails(GoodHead, asset: "name: orders\nversion: 1\nschema:\n  - {name: id, type: long}\n");
        Assert.Contains(e.Issues, i => i.File.EndsWith("asset.yaml") && i.Message.Contains("no owner"));
    }

    [Fact]
    public void Cursor_strategy_without_cursor_column_is_refused_but_recipe_default_is_accepted()
    {
        var e = LoadFails(GoodHead + "  incremental: {strategy: cursor}\n");
        Assert.Contains("needs a cursor column", Assert.Single(e.Issues).Message);

        using var tmp = new TempDir();
        tmp.File("asset.yaml", Asset);
        var pg = tmp.File("job.yaml", "tenant_id: acme\nsource_connector: postgres\nasset: orders\nasset_path: asset.yaml\nsource:\n  tables: [{name: public.orders}]\n  incremental: {strategy: updated_at}\n");
        Assert.Equal("updated_at", JobLoader.Load(pg, _ => null).CursorField);
    }

    [Fact]
    public void Database_sources_are_refused_in_cloud_mode()
    {
        using var tmp = new TempDir();
        tmp.File("asset.yaml", Asset);
        var pg = tmp.File("job.yaml", "tenant_id: acme\nsource_connector: postgres\nasset: orders\nasset_path: asset.yaml\nsource:\n  tables: [{name: public.orders}]\n");
        var e = Assert.Throws<ConfigException>(() => JobLoader.Load(pg, _ => null, RunMode.Cloud));
        Assert.Contains("not allowed in cloud mode", e.Message);
    }

    [Fact]
    public void Partition_column_must_exist_in_the_contract()
    {
        var e = LoadFails(GoodHead + "target:\n  partitioning: [ingest_date, \"day(created_at)\", \"bucket(8, nope)\"]\n");
        var issue = Assert.Single(e.Issues);
        Assert.Equal("target.partitioning[2]", issue.KeyPath);
        Assert.Contains("'nope' is not in contract", issue.Message);
    }

    [Fact]
    public void Parquet_target_refuses_iceberg_transforms_and_unknown_modes()
    {
        var e = LoadFails(GoodHead.Replace("source_connector: csv\n", "source_connector: csv\ntarget_connector: parquet\n", StringComparison.Ordinal) +
            "target:\n  partitioning: [ingest_date, email, \"day(created_at)\"]\n  mode: overwrite\n");
        Assert.Equal(2, e.Issues.Count);
        var part = e.Issues.Single(i => i.KeyPath == "target.partitioning[2]");
        Assert.Equal(9, part.Line);
        Assert.Contains("'day(created_at)' is an Iceberg transform", part.Message);
        Assert.Contains("job.yaml:9:", e.Message);
        var mode = e.Issues.Single(i => i.KeyPath == "target.mode");
        Assert.Contains("append (default) or overwrite_partitions", mode.Message);
        Assert.Equal(10, mode.Line);
    }

    [Fact]
    public void Aws_tag_rules_name_the_tag()
    {
        var e = LoadFails(GoodHead + "infrastructure:\n  metadata:\n    tags:\n      \"aws:owner\": x\n      Bad: \"a,b\"\n      " + new string('K', 129) + ": v\n");
        Assert.Contains(e.Issues, i => i.Message.Contains("'aws:owner'") && i.Message.Contains("reserved"));
        Assert.Contains(e.Issues, i => i.Message.Contains("tag 'Bad'") && i.Message.Contains("characters AWS rejects"));
        Assert.Contains(e.Issues, i => i.Message.Contains("1 to 128 characters"));
        Assert.All(e.Issues, i => Assert.Equal("infrastructure.metadata.tags", i.KeyPath));
    }

    [Fact]
    public void More_than_fifty_tags_is_refused()
    {
        var many = string.Concat(Enumerable.Range(0, 50).Select(i => $"      T{i}: v\n"));
        var e = LoadFails(GoodHead + "infrastructure:\n  metadata:\n    tags:\n" + many);
        Assert.Contains(e.Issues, i => i.Message.Contains("AWS allows at most 50"));
    }

    [Fact]
    public void Pii_looking_columns_without_classification_are_warned_about()
    {
        using var tmp = new TempDir();
        tmp.File("asset.yaml", Asset.Replace("  - {name: created_at, type: timestamp}", "  - {name: created_at, type: timestamp}\n  - {name: phone_number, type: string}\n  - {name: home_address, type: string}"));
        tmp.File("data.csv", "id\n");
        var job = JobLoader.Load(tmp.File("job.yaml", GoodHead), _ => null);
        Assert.Equal(["schema.phone_number", "schema.home_address"], job.Warnings.Select(w => w.KeyPath));
        Assert.All(job.Warnings, w => Assert.Equal(IssueSeverity.Warning, w.Severity));
    }
}
