using System.Text.Json.Nodes;
using Dativo.Lake.State;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Cli.Tests;

/// <summary>The real <c>./dativo</c> with its run history and ingestion state on DynamoDB (dynalite on 127.0.0.1).</summary>
public sealed class DynamoStateCliTests(DynaliteFixture dynamo) : IClassFixture<DynaliteFixture>
{
    [SkippableFact]
    public async Task Runs_and_ingestion_state_live_in_dynamodb_through_state_and_state_uri()
    {
        Skip.If(dynamo.SkipReason is not null, dynamo.SkipReason);
        using var dir = new TempDir();
        var runs = dynamo.StateUri();
        var ingestion = dynamo.StateUri();
        dir.File("p.yaml", """
            name: dyn
            tasks:
              - name: each
                type: command
                foreach: {sources: [{values: [a, b, c]}]}
                command: [bash, -c, 'echo "$DATIVO_DATASET" >> ran.txt']
            """);
        var run = await CliRunner.RunAsync(dir.Path, "pipeline", "run", "p.yaml", "--state", runs, "--correlation-id", "c1", "--json");
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal("SUCCEEDED", (string?)JsonNode.Parse(run.Stdout)!["status"]);

        dir.File("contract.yaml", "name: orders\nversion: \"1.0\"\ndomain: sales\nschema:\n  - {name: id, type: long, required: true}\nteam: {owner: team@acme.com}\n");
        dir.File("job.yaml", "tenant_id: acme\nsource_connector: csv\ntarget_connector: iceberg\nasset: orders\nasset_path: contract.yaml\nsource:\n  files: [{path: data.csv}]\n");
        dir.File("data.csv", "id\n1\n2\n");
        var env = new Dictionary<string, string> { ["DATIVO_STATE"] = runs, ["DATIVO_STATE_URI"] = ingestion };
        var job = await CliRunner.RunAsync(dir.Path, env, "run", "--config", "job.yaml");
        Assert.True(job.ExitCode == 0, job.All);

        var list = await CliRunner.RunAsync(dir.Path, env, "runs", "list", "--json");
        Assert.True(list.ExitCode == 0, list.All);
        Assert.Equal(["dyn", "job:acme/orders"], JsonNode.Parse(list.Stdout)!.AsArray().Select(r => (string)r!["pipeline"]!).Order(StringComparer.Ordinal));
        Assert.False(File.Exists(Path.Combine(dir.Path, ".dativo", StateStores.DefaultFileName))); // nothing went to the local default

        var store = StateStores.Open(new StateStoreOptions { Uri = runs, Environment = _ => null });
        Assert.NotNull(await store.GetAsync("orchestration.runs", "dyn/c1"));
        var cursors = StateStores.Open(new StateStoreOptions { Uri = ingestion, Environment = _ => null });
        Assert.NotEmpty(await cursors.ListAsync(Dativo.Ingestion.Running.JobRunner.StateNamespace).ToListAsync()); // the job's committed state
    }
}
