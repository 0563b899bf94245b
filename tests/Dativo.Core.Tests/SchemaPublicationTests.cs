using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Config.Jobs;
using Dativo.Testing;

namespace Dativo.Core.Tests;

public class SchemaPublicationTests
{
    [Fact]
    public void Published_schemas_are_in_sync_with_the_code()
    {
        foreach (var (file, text) in PublishedSchemas.All())
        {
            var committed = Path.Combine(Repo.Root, "schemas", file);
            Assert.True(File.Exists(committed), $"schemas/{file} is missing: run ./dativo schema export --out schemas");
            Assert.True(File.ReadAllText(committed) == text, $"schemas/{file} is stale: run ./dativo schema export --out schemas");
        }
    }

    [Fact]
    public void The_job_schema_declares_every_documented_key()
    {
        var schema = JsonNode.Parse(PublishedSchemas.All().Single(s => s.File == "job.schema.json").Text)!;
        string[] topLevel = ["tenant_id", "environment", "source_connector", "source_connector_path", "target_connector", "target_connector_path",
            "asset", "asset_path", "source", "target", "classification_overrides", "finops", "governance_overrides",
            "schema_validation_mode", "retry_config", "logging", "infrastructure"];
        foreach (var key in topLevel) Assert.NotNull(schema["properties"]![key]);
        var compute = schema["properties"]!["infrastructure"]!["properties"]!["runtime"]!["properties"]!["compute"]!["properties"]!;
        foreach (var key in new[] { "cluster_id", "instance_type", "instance_count", "auto_scaling" }) Assert.NotNull(compute[key]);
        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
    }

    [Fact]
    public void Every_example_job_in_the_repo_is_valid()
    {
        var jobs = Directory.EnumerateFiles(Path.Combine(Repo.Root, "examples", "jobs"), "*.yaml", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(jobs);
        // DAILY_STAGING is set by the pipeline task that runs the daily job (examples/pipelines/daily_raw_load.yaml)
        var passedByPipelines = new Dictionary<string, string> { ["DAILY_STAGING"] = Path.GetTempPath() };
        foreach (var job in jobs)
            JobLoader.Load(job, name => name == "EMR_CLUSTER_ID" ? null : Environment.GetEnvironmentVariable(name) ?? passedByPipelines.GetValueOrDefault(name));
    }
}
