using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Connectors;
using Dativo.Core.Infrastructure;
using Dativo.Core.Tags;
using Dativo.Core.Text;
using Dativo.Testing;

namespace Dativo.Core.Tests;

/// <summary>
/// Loading a job reports every problem a run would hit, at once and each at its file:line: what used to pass the
/// load and fail in the run (delimiter, encoding, DSN, reader, catalog), what was documented and refused (strategy
/// none) or required and accepted (asset).
/// </summary>
public sealed class CheckFindsEverythingTests : IDisposable
{
    private const string Contract = """
        name: orders
        version: "1.0"
        domain: sales
        schema:
          - {name: id, type: long, required: true}
          - {name: email, type: string, classification: PII}
          - {name: created_at, type: timestamp}
        team: {owner: team@acme.com}
        """;

    private const string Head = "tenant_id: acme\nasset: orders\nasset_path: contract.yaml\nsource_connector: csv\n";

    private readonly TempDir _tmp = new("dativo-check-");

    public void Dispose() => _tmp.Dispose();

    private string Write(string job, string contract = Contract)
    {
        _tmp.File("contract.yaml", contract);
        _tmp.File("data.csv", "id,email,created_at\n1,a@b.c,2024-01-01\n");
        return _tmp.File("job.yaml", job);
    }

    private ConfigException Fails(string job, string contract = Contract) =>
        Assert.Throws<ConfigException>(() => JobLoader.Load(Write(job, contract), _ => null));

    private static ConfigIssue Error(ConfigException e, string keyPath) =>
        Assert.Single(e.Issues, i => i.KeyPath == keyPath && i.Severity == IssueSeverity.Error);

    [Fact]
    public void Independent_mistakes_in_contract_connectors_source_engine_incremental_and_catalog_are_all_reported_with_their_lines()
    {
        var e = Fails("""
            tenant_id: acme
            asset: orders
            asset_path: contract.yaml
            source_connector: csv
            target_connector: icebreg
            source:
              files: [{path: data.csv}]
              options: {delimiter: ";;"}
              engine: {options: {encoding: klingon}}
              incremental: {strategy: sometimes}
            target:
              catalog: {type: nessie, properties: {ref: main}}
            """, Contract.Replace("type: timestamp", "type: timestmap"));

        Assert.Equal(5, Error(e, "target_connector").Line);
        Assert.Contains("did you mean 'iceberg'", Error(e, "target_connector").Message);
        Assert.Equal(8, Error(e, "source.options.delimiter").Line);
        Assert.Equal(9, Error(e, "source.engine.options.encoding").Line);
        Assert.Equal(10, Error(e, "source.incremental.strategy").Line);
        Assert.Equal(12, Error(e, "target.catalog.type").Line);
        var contract = Assert.Single(e.Issues, i => i.File.EndsWith("contract.yaml", StringComparison.Ordinal));
        Assert.Equal(7, contract.Line);
        Assert.Contains("did you mean 'timestamp'", contract.Message);
        Assert.Equal(6, e.Issues.Count(i => i.Severity == IssueSeverity.Error));
        foreach (var line in new[] { "job.yaml:5:", "job.yaml:8:", "job.yaml:9:", "job.yaml:10:", "job.yaml:12:", "contract.yaml:7:" })
            Assert.Contains(line, e.Message);
    }

    [Theory]
    [InlineData("  options: {delimiter: \";;\"}\n", "source.options.delimiter", "';;' is 2 characters; a delimiter is one character")]
    [InlineData("  options: {quote: \"''\"}\n", "source.options.quote", "a quote is one character")]
    [InlineData("  options: {encoding: utf-17}\n", "source.options.encoding", "supported: utf-8, utf-8-sig, utf-16, utf-16-le")]
    [InlineData("  engine: {options: {encoding: ebcdic}}\n", "source.engine.options.encoding", "encoding 'ebcdic' is not supported")]
    [InlineData("  dsn: garbage\n", "source.dsn", "'garbage' is not a setting (expected keyword=value)")]
    [InlineData("  dsn: \"host=db port=fifty\"\n", "source.dsn", "port 'fifty' is not a port number")]
    [InlineData("  dsn: \"mysql://u:secret@db/x\"\n", "source.dsn", "'mysql://' is not a PostgreSQL URI")]
    public void A_source_setting_a_run_cannot_use_is_refused_at_its_line(string sourceLine, string keyPath, string message)
    {
        var e = Fails(Head + "source:\n  files: [{path: data.csv}]\n" + sourceLine);
        var issue = Error(e, keyPath);
        Assert.Equal(7, issue.Line);
        Assert.Contains(message, issue.Message);
        Assert.DoesNotContain("secret", e.Message);
    }

    [Theory]
    [InlineData("utf-16-le")]
    [InlineData("UTF-16LE")]
    [InlineData("latin1")]
    [InlineData("cp1252")]
    [InlineData("utf-8-sig")]
    public void Encodings_under_their_usual_names_are_accepted(string name)
    {
        JobLoader.Load(Write(Head + $"source:\n  files: [{{path: data.csv}}]\n  options: {{encoding: {name}}}\n"), _ => null);
        Assert.NotNull(TextEncodings.Get(name));
    }

    [Fact]
    public void Engine_options_encoding_is_honoured_and_other_engine_options_are_warned_about()
    {
        var job = JobLoader.Load(Write(Head + "source:\n  files: [{path: data.csv}]\n  engine:\n    type: pandas\n    options: {encoding: latin-1, chunk_size: 1000}\n"), _ => null);
        Assert.Equal(("latin-1", "source.engine.options.encoding"), (CsvSettings.Of(job).Encoding, CsvSettings.Of(job).EncodingKey));
        var w = Assert.Single(job.Warnings);
        Assert.Equal(("source.engine.options.chunk_size", 9), (w.KeyPath, w.Line));
        Assert.Contains("ignored", w.Message);
    }

    [Fact]
    public void Libpq_keyword_value_dsns_are_read_as_libpq_reads_them()
    {
        var s = PostgresDsn.Parse("host=db.internal port = 5433 dbname=orders user=etl password='a b\\'c' sslmode=require");
        Assert.Equal(
            [("host", "db.internal"), ("port", "5433"), ("dbname", "orders"), ("user", "etl"), ("password", "a b'c"), ("sslmode", "require")],
            s.Select(kv => (kv.Key, kv.Value)));
        var uri = PostgresDsn.Parse("postgresql://etl:p%40ss@db:6543/orders?sslmode=verify-full&application_name=x");
        Assert.Contains(KeyValuePair.Create("password", "p@ss"), uri);
        Assert.Contains(KeyValuePair.Create("sslmode", "verify-full"), uri);
        Assert.Contains(KeyValuePair.Create("port", "6543"), uri);
        var ado = PostgresDsn.Parse("Host=127.0.0.1;Port=5432;Username=postgres;Database=d;Pooling=true;Maximum Pool Size=20");
        Assert.Contains(KeyValuePair.Create("user", "postgres"), ado);
        Assert.Contains(KeyValuePair.Create("npgsql:maximum pool size", "20"), ado);
        Assert.True(PostgresDsn.IsDeferred("${secret:warehouse}"));
        Assert.True(PostgresDsn.IsDeferred("secret:warehouse"));
    }

    [Fact]
    public void A_recipe_with_no_reader_is_refused_for_a_run_but_tags_still_load()
    {
        _tmp.File("stripe.yaml", "type: stripe\nroles: [source]\n");
        var path = Write("tenant_id: acme\nasset: orders\nasset_path: contract.yaml\nsource_connector_path: stripe.yaml\nsource:\n  objects: [customers]\n");
        var e = Assert.Throws<ConfigException>(() => JobLoader.Load(path, _ => null));
        var issue = Error(e, "source_connector_path");
        Assert.Equal(4, issue.Line);
        Assert.Contains("connector 'stripe' (", issue.Message);
        Assert.Contains("stripe.yaml) has no reader in this build", issue.Message);
        Assert.Contains("`dativo tags`", issue.Message);

        var job = JobLoader.Load(path, _ => null, use: JobUse.Tags);
        Assert.Equal("stripe", InfrastructureTags.Derive(job)["SourceConnector"]);
    }

    [Fact]
    public void Strategy_none_is_accepted_and_reads_everything_even_with_a_recipe_cursor()
    {
        var job = JobLoader.Load(Write("tenant_id: acme\nasset: orders\nasset_path: contract.yaml\nsource_connector: postgres\nsource:\n  tables: [{name: public.orders}]\n  incremental: {strategy: none}\n"), _ => null);
        Assert.True(job.ReadsEverything);
        Assert.Equal("none", job.IncrementalStrategy);
    }

    [Fact]
    public void A_job_without_asset_is_refused()
    {
        var e = Fails("tenant_id: acme\nasset_path: contract.yaml\nsource_connector: csv\nsource:\n  files: [{path: data.csv}]\n");
        var issue = Error(e, "asset");
        Assert.Equal(1, issue.Line);
        Assert.Contains("missing required key 'asset'", issue.Message);
    }

    [Fact]
    public void A_catalog_mapping_of_type_sql_gives_its_uri_and_other_types_name_the_supported_ones()
    {
        var job = JobLoader.Load(Write(Head + "source:\n  files: [{path: data.csv}]\ntarget:\n  catalog:\n    type: sql\n    properties: {uri: \"sqlite:///tmp/x/catalog.db\"}\n"), _ => null);
        Assert.Equal("sqlite:///tmp/x/catalog.db", job.Config.Target.Catalog);
        job = JobLoader.Load(Write(Head + "source:\n  files: [{path: data.csv}]\ntarget:\n  catalog: {uri: \"postgresql://u@db/cat\"}\n"), _ => null);
        Assert.Equal("postgresql://u@db/cat", job.Config.Target.Catalog);

        job = JobLoader.Load(Write(Head + "source:\n  files: [{path: data.csv}]\ntarget:\n  warehouse: s3://lake/wh\n  catalog: {type: glue, properties: {glue.id: \"123456789012\", glue.region: eu-west-1}}\n"), _ => null);
        Assert.Equal("glue://123456789012?region=eu-west-1", job.Config.Target.Catalog);

        var e = Fails(Head + "source:\n  files: [{path: data.csv}]\ntarget:\n  catalog: {type: hive}\n");
        Assert.Contains("catalog type 'hive' is not supported by this build; supported: sql, glue", Error(e, "target.catalog.type").Message);
        e = Fails(Head + "source:\n  files: [{path: data.csv}]\ntarget:\n  catalog: nessie\n");
        Assert.Contains("'nessie' is not a catalog this build opens", Error(e, "target.catalog").Message);
        e = Fails(Head + "source:\n  files: [{path: data.csv}]\ntarget:\n  warehouse: s3://lake/wh\n");
        Assert.Contains("the Iceberg catalog cannot be the default <warehouse>/catalog.db file", Error(e, "target.warehouse").Message);
    }

    [Fact]
    public void Approval_required_is_a_governance_table_property_and_an_aws_tag()
    {
        var job = JobLoader.Load(Write(Head + "source:\n  files: [{path: data.csv}]\ngovernance_overrides:\n  approval_required: true\n"), _ => null);
        Assert.Equal("true", TableProperties.Derive(job)["governance.approval_required"]);
        Assert.Equal("true", InfrastructureTags.Derive(job)["ApprovalRequired"]);
        job = JobLoader.Load(Write(Head + "source:\n  files: [{path: data.csv}]\n"), _ => null);
        Assert.False(TableProperties.Derive(job).ContainsKey("governance.approval_required"));
    }

    [Fact]
    public void A_glob_matching_nothing_and_a_missing_file_are_warnings_naming_them()
    {
        var job = JobLoader.Load(Write(Head + "source:\n  files:\n    - path: data.csv\n    - path: incoming/*.csv\n    - path: later.csv\n"), _ => null);
        Assert.Equal(["source.files[1].path", "source.files[2].path"], job.Warnings.Select(w => w.KeyPath));
        Assert.Contains("the glob 'incoming/*.csv' matches no file", job.Warnings[0].Message);
        Assert.Equal(8, job.Warnings[0].Line);
        Assert.Contains("source file not found", job.Warnings[1].Message);

        _tmp.File("incoming/a/2024.csv", "id\n");
        _tmp.File("later.csv", "id\n");
        job = JobLoader.Load(Write(Head + "source:\n  files:\n    - path: \"incoming/**/*.csv\"\n    - path: later.csv\n"), _ => null);
        Assert.Empty(job.Warnings);
    }

    [Fact]
    public void Metadata_variables_the_module_does_not_declare_are_warned_about_and_bad_names_refused()
    {
        var job = JobLoader.Load(Write(Head + "source:\n  files: [{path: data.csv}]\ninfrastructure:\n  metadata:\n    variables:\n      log_retention_days: 30\n      enable_spot_instance: true\n"), _ => null);
        var w = Assert.Single(job.Warnings);
        Assert.Equal(("infrastructure.metadata.variables.enable_spot_instance", 11), (w.KeyPath, w.Line));
        Assert.Contains("'enable_spot_instance' is not a variable of terraform/aws/emr-dativo", w.Message);
        Assert.Contains("did you mean 'enable_spot_instances'", w.Message);

        var e = Fails(Head + "source:\n  files: [{path: data.csv}]\ninfrastructure:\n  metadata:\n    variables:\n      \"log retention\": 30\n");
        Assert.Contains("not a Terraform variable name", Error(e, "infrastructure.metadata.variables.log retention").Message);
    }

    [Fact]
    public void The_emr_module_variable_list_matches_its_variables_tf()
    {
        var declared = ModuleVariables.Parse(File.ReadAllText(Repo.Path_("terraform", "aws", "emr-dativo", "variables.tf")));
        Assert.Equal(declared.Order(StringComparer.Ordinal), ModuleVariables.EmrDativo.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Job_dir_skips_contracts_recipes_and_pipelines_saying_what_they_are()
    {
        _tmp.File("jobs/orders.yaml", Head);
        _tmp.File("jobs/contracts/orders.yaml", Contract);
        _tmp.File("jobs/odcs.yaml", "apiVersion: v3.0.2\nkind: DataContract\nname: x\n");
        _tmp.File("jobs/recipe.yml", "type: stripe\nroles: [source]\n");
        _tmp.File("jobs/p.yaml", "name: p\ntasks: []\n");
        var (jobs, skipped) = JobFiles.Find(Path.Combine(_tmp.Path, "jobs"));
        Assert.Equal([Path.Combine(_tmp.Path, "jobs", "orders.yaml")], jobs);
        Assert.Equal(
            ["contracts/orders.yaml: an ODCS data contract, not a job", "odcs.yaml: an ODCS data contract, not a job",
             "p.yaml: a pipeline, not a job (run it with `dativo pipeline run`)", "recipe.yml: a connector recipe, not a job"],
            skipped.Select(s => $"{Path.GetRelativePath(Path.Combine(_tmp.Path, "jobs"), s.File)}: {s.Reason}").Order(StringComparer.Ordinal));
    }
}
