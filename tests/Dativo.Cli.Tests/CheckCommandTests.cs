using System.Text;
using System.Text.Json.Nodes;
using Dativo.Testing;
using Dativo.Testing.Services;
using Npgsql;

namespace Dativo.Cli.Tests;

/// <summary>
/// <c>check</c> finds every problem <c>run</c> would hit, at once, each at its file:line; <c>run</c> refuses the same
/// job with the same lines (exit 2, never .NET exception text). What used to pass check and fail in the run now
/// fails both, and what was documented but refused now works.
/// </summary>
public sealed class CheckCommandTests : IDisposable
{
    private const string Contract = """
        name: orders
        version: "1.0"
        domain: sales
        schema:
          - {name: id, type: long, required: true}
          - {name: label, type: string}
          - {name: created_at, type: timestamp}
        team: {owner: team@acme.com}
        """;

    private const string Head = "tenant_id: acme\nasset: orders\nasset_path: contract.yaml\nsource_connector: csv\n";

    private readonly TempDir _tmp = new("dativo-check-cli-");

    public void Dispose() => _tmp.Dispose();

    private void Write(string job, string contract = Contract)
    {
        _tmp.File("contract.yaml", contract);
        _tmp.File("job.yaml", job);
    }

    private string Lake => Path.Combine(_tmp.Path, ".local", "lake");

    private Task<CliRunner.Result> Dativo(params string[] args) => CliRunner.RunAsync(_tmp.Path, args);

    private static void AssertRefused(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 2, $"expected exit 2, got {r.ExitCode}:\n{r.All}");
        Assert.DoesNotContain("Exception", r.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("check")]
    [InlineData("run")]
    public async Task Five_independent_mistakes_are_all_reported_each_at_its_line(string command)
    {
        _tmp.File("data.csv", "id,label,created_at\n1,a,2024-01-01\n");
        Write("""
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

        var r = await Dativo(command, "--config", "job.yaml");

        AssertRefused(r);
        Assert.Contains("job.yaml:5:19: target_connector: unknown target connector 'icebreg' (did you mean 'iceberg'?)", r.Stderr);
        Assert.Contains("job.yaml:8:", r.Stderr);
        Assert.Contains("source.options.delimiter: ';;' is 2 characters; a delimiter is one character", r.Stderr);
        Assert.Contains("job.yaml:9:", r.Stderr);
        Assert.Contains("source.engine.options.encoding: encoding 'klingon' is not supported; supported: utf-8", r.Stderr);
        Assert.Contains("job.yaml:10:", r.Stderr);
        Assert.Contains("source.incremental.strategy: 'sometimes' is not one of: none, full_refresh", r.Stderr);
        Assert.Contains("job.yaml:12:", r.Stderr);
        Assert.Contains("target.catalog.type: catalog type 'nessie' is not supported by this build; supported: sql, glue", r.Stderr);
        Assert.Contains("contract.yaml:7:", r.Stderr);
        Assert.Contains("unknown column type 'timestmap' (did you mean 'timestamp'?)", r.Stderr);
        if (command == "run") Assert.Contains("6 problem(s) in 1 job file(s); nothing was run", r.Stderr);
    }

    public static TheoryData<string, string, string, string> RunOnlyMistakes => new()
    {
        { "check", "  options: {delimiter: \";;\"}\n", "job.yaml:7:", "source.options.delimiter: ';;' is 2 characters" },
        { "run", "  options: {delimiter: \";;\"}\n", "job.yaml:7:", "source.options.delimiter: ';;' is 2 characters" },
        { "check", "  options: {encoding: utf-32-le}\n", "job.yaml:7:", "encoding 'utf-32-le' is not supported (did you mean 'utf-16-le'?); supported: utf-8" },
        { "run", "  options: {encoding: utf-32-le}\n", "job.yaml:7:", "encoding 'utf-32-le' is not supported (did you mean 'utf-16-le'?); supported: utf-8" },
        { "check", "  dsn: garbage\n", "job.yaml:7:", "source.dsn: 'garbage' is not a setting (expected keyword=value)" },
        { "run", "  dsn: garbage\n", "job.yaml:7:", "source.dsn: 'garbage' is not a setting (expected keyword=value)" },
    };

    [Theory]
    [MemberData(nameof(RunOnlyMistakes))]
    public async Task What_used_to_fail_only_in_the_run_fails_check_and_run_alike(string command, string sourceLine, string location, string message)
    {
        _tmp.File("data.csv", "id,label,created_at\n1,a,2024-01-01\n");
        Write(Head + "source:\n  files: [{path: data.csv}]\n" + sourceLine);
        var r = await Dativo(command, "--config", "job.yaml");
        AssertRefused(r);
        Assert.Contains(location, r.Stderr);
        Assert.Contains(message, r.Stderr);
    }

    [Theory]
    [InlineData("check")]
    [InlineData("run")]
    public async Task A_custom_connector_without_a_reader_is_refused_by_check_and_run_but_tags_work(string command)
    {
        _tmp.File("connectors/stripe.yaml", "type: stripe\nroles: [source]\nincremental: {strategy_default: created, cursor_field_default: created}\n");
        Write("tenant_id: acme\nasset: orders\nasset_path: contract.yaml\nsource_connector_path: connectors/stripe.yaml\nsource:\n  objects: [customers]\n");
        var r = await Dativo(command, "--config", "job.yaml");
        AssertRefused(r);
        Assert.Contains("job.yaml:4:", r.Stderr);
        Assert.Contains("connector 'stripe' (connectors/stripe.yaml) has no reader in this build: sources that run are csv, jsonl", r.Stderr);

        var tags = await Dativo("tags", "--config", "job.yaml", "--json");
        Assert.True(tags.ExitCode == 0, tags.All);
        Assert.Equal("stripe", JsonNode.Parse(tags.Stdout)!["infrastructure_tags"]!["SourceConnector"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_utf16le_file_and_the_old_engine_options_encoding_are_read_as_declared()
    {
        File.WriteAllBytes(_tmp.File("data.csv"), Encoding.Unicode.GetBytes("id,label,created_at\n1,crème,2024-01-01\n"));
        File.WriteAllBytes(_tmp.File("old.csv"), Encoding.Latin1.GetBytes("id,label,created_at\n2,brûlée,2024-01-02\n"));
        Write(Head + "source:\n  files: [{path: data.csv}]\n  options: {encoding: utf-16-le}\n");
        _tmp.File("old.yaml", Head + "name: old\nsource:\n  files: [{path: old.csv}]\n  engine: {type: pandas, options: {encoding: latin-1}}\n");

        var r1 = await Dativo("run", "--config", "job.yaml");
        Assert.True(r1.ExitCode == 0, r1.All);
        var r2 = await Dativo("run", "--config", "old.yaml");
        Assert.True(r2.ExitCode == 0, r2.All);

        var q = await Dativo("table", "query", "sales.orders", "--sql", "SELECT id, label FROM t ORDER BY id", "--json", "--warehouse", Lake);
        Assert.True(q.ExitCode == 0, q.All);
        var rows = JsonNode.Parse(q.Stdout)!.AsArray();
        Assert.Equal(["crème", "brûlée"], rows.Select(x => x!["label"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Strategy_none_is_accepted_and_every_run_reads_the_whole_source()
    {
        _tmp.File("data.csv", "id,label,created_at\n1,a,2024-01-01\n2,b,2024-01-02\n");
        Write(Head + "source:\n  files: [{path: data.csv}]\n  incremental: {strategy: none}\n");
        Assert.Equal(0, (await Dativo("check", "--config", "job.yaml")).ExitCode);
        var first = await Dativo("run", "--config", "job.yaml");
        var second = await Dativo("run", "--config", "job.yaml");
        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.All + second.All);
        Assert.DoesNotContain("no new data", second.Stdout);
        var q = await Dativo("table", "query", "sales.orders", "--sql", "SELECT count(*) AS n FROM t", "--json", "--warehouse", Lake);
        Assert.Equal(4, (long)JsonNode.Parse(q.Stdout)![0]!["n"]!);
    }

    [SkippableFact]
    public async Task A_libpq_keyword_value_dsn_connects_as_libpq_would()
    {
        var server = PostgresServer.Instance;
        Skip.If(server.SkipReason is not null, server.SkipReason);
        var db = server.CreateDatabase("dsn");
        await using (var c = new NpgsqlConnection(server.ConnectionString(db)))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("CREATE TABLE public.orders (id bigint PRIMARY KEY, label text, created_at timestamp); INSERT INTO public.orders VALUES (1, 'a', '2024-01-01'), (2, 'b', '2024-01-02')", c);
            await cmd.ExecuteNonQueryAsync();
        }
        Write($"tenant_id: acme\nasset: orders\nasset_path: contract.yaml\nsource_connector: postgres\nsource:\n" +
              $"  dsn: \"host=127.0.0.1 port={server.Port} dbname={db} user=postgres connect_timeout=10 application_name='dativo check'\"\n" +
              "  tables: [{name: public.orders}]\n  incremental: {strategy: none}\n");
        var r = await Dativo("run", "--config", "job.yaml");
        Assert.True(r.ExitCode == 0, r.All);
        var q = await Dativo("table", "query", "sales.orders", "--sql", "SELECT count(*) AS n FROM t", "--json", "--warehouse", Lake);
        Assert.Equal(2, (long)JsonNode.Parse(q.Stdout)![0]!["n"]!);
    }

    [Theory]
    [InlineData("check")]
    [InlineData("run")]
    public async Task Job_dir_skips_contracts_beside_the_jobs_and_says_so(string command)
    {
        _tmp.File("jobs/data.csv", "id,label,created_at\n1,a,2024-01-01\n");
        _tmp.File("jobs/orders.contract.yaml", Contract);
        _tmp.File("jobs/orders.yaml", Head.Replace("contract.yaml", "orders.contract.yaml") + "source:\n  files: [{path: data.csv}]\n");
        var r = await Dativo(command, "--job-dir", "jobs");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("skipped orders.contract.yaml: an ODCS data contract, not a job", r.Stderr);
    }

    [Fact]
    public async Task A_catalog_mapping_of_type_sql_commits_to_the_catalog_it_names()
    {
        _tmp.File("data.csv", "id,label,created_at\n1,a,2024-01-01\n");
        var catalog = Path.Combine(_tmp.Path, "cat", "lake-catalog.db");
        Directory.CreateDirectory(Path.GetDirectoryName(catalog)!);
        Write(Head + $"source:\n  files: [{{path: data.csv}}]\ntarget:\n  catalog:\n    type: sql\n    properties: {{uri: \"sqlite://{catalog}\"}}\n");
        var r = await Dativo("run", "--config", "job.yaml");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.True(File.Exists(catalog), "the run did not commit to the catalog named by target.catalog");
        Assert.False(File.Exists(Path.Combine(_tmp.Path, ".local", "lake", "catalog.db")));
    }

    /// <summary>The reference project's full job shape: catalog mapping, approval_required, recipes at /app paths that do not exist here.</summary>
    [Fact]
    public async Task The_reference_full_job_gives_tags_and_tfvars_and_check_names_what_a_run_lacks()
    {
        Directory.CreateDirectory(Path.Combine(_tmp.Path, "module"));
        Write("""
            tenant_id: acme
            environment: prod
            infrastructure:
              provider: terraform
              terraform: {module_source: module, workspace: prod-data-platform}
              runtime:
                platform: emr
                compute: {cluster_id: "${EMR_CLUSTER_ID}", instance_type: r5.2xlarge, instance_count: 8}
              metadata:
                variables: {enable_spot_instances: true, kms_key_alias: alias/dativo-prod}
            source_connector: postgres
            source_connector_path: /app/connectors/postgres.yaml
            target_connector: iceberg
            target_connector_path: /app/connectors/iceberg.yaml
            asset: orders
            asset_path: contract.yaml
            source:
              connection: {host: "${POSTGRES_HOST:-db}", port: 5432, database: orders_db}
              tables: [{name: orders, object: orders}]
              incremental: {strategy: updated_at, cursor_field: created_at, lookback_days: 1}
            target:
              branch: acme
              catalog:
                type: nessie
                properties: {ref: main, hash: null}
            governance_overrides:
              approval_required: true
            schema_validation_mode: strict
            """);

        var tags = await Dativo("tags", "--config", "job.yaml", "--json");
        Assert.True(tags.ExitCode == 0, tags.All);
        var json = JsonNode.Parse(tags.Stdout)!;
        Assert.Equal("true", json["table_properties"]!["governance.approval_required"]!.GetValue<string>());
        Assert.Equal("true", json["infrastructure_tags"]!["ApprovalRequired"]!.GetValue<string>());
        Assert.Equal("postgres", json["infrastructure_tags"]!["SourceConnector"]!.GetValue<string>());
        Assert.Contains("source_connector_path: connector recipe not found: /app/connectors/postgres.yaml; tags use the connector name 'postgres'", tags.Stderr);

        var tfvars = await Dativo("infra", "tfvars", "--config", "job.yaml", "--out", "dativo.auto.tfvars");
        Assert.True(tfvars.ExitCode == 0, tfvars.All);
        Assert.Contains("\"ApprovalRequired\"", File.ReadAllText(Path.Combine(_tmp.Path, "dativo.auto.tfvars")));

        var check = await Dativo("check", "--config", "job.yaml");
        AssertRefused(check);
        Assert.Contains("job.yaml:12:", check.Stderr);
        Assert.Contains("connector recipe not found: /app/connectors/postgres.yaml; 'postgres' is built in, so you can delete source_connector_path", check.Stderr);
        Assert.Contains("job.yaml:24:", check.Stderr);
        Assert.Contains("catalog type 'nessie' is not supported by this build; supported: sql, glue", check.Stderr);
    }

    [Theory]
    [InlineData("check")]
    [InlineData("run")]
    public async Task A_glob_matching_nothing_is_a_warning_naming_it_and_an_error_with_strict(string command)
    {
        Write(Head + "source:\n  files: [{path: \"landing/*.csv\"}]\n");
        var strict = await Dativo(command, "--config", "job.yaml", "--strict");
        AssertRefused(strict);
        Assert.Contains("job.yaml:6:", strict.Stderr);
        Assert.Contains("the glob 'landing/*.csv' matches no file", strict.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_tmp.Path, ".local", "lake")), "--strict must refuse before running");

        var lenient = await Dativo(command, "--config", "job.yaml");
        Assert.True(lenient.ExitCode == 0, lenient.All);
        Assert.Contains("job.yaml:6:", lenient.Stderr);
        Assert.Contains("warning: source.files[0].path: the glob 'landing/*.csv' matches no file", lenient.Stderr);
    }
}
