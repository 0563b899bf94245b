using Dativo.Testing;
using System.Text.Json.Nodes;
using Dativo.Ingestion.Tests.Support;

namespace Dativo.Ingestion.Tests.EndToEnd;

/// <summary>The orchestrator's <c>type: job</c> task through <c>./dativo pipeline run</c>: a foreach over two CSV jobs.</summary>
public sealed class PipelineJobTaskTests
{
    [Fact]
    public async Task Foreach_over_two_csv_jobs_ingests_both_and_publishes_counts_and_snapshot_ids()
    {
        using var f = new JobFolder();
        f.Write("contract.yaml", JobFolder.OrdersContract);
        f.Write("in/a.csv", "id,email,amount,paid,created\n1,a@x.com,1.50,true,2024-01-01 10:00:00\n2,b@x.com,2.25,false,2024-01-02T11:00:00\n");
        f.Write("in/b.csv", "id,email,amount,paid,created\n3,c@x.com,3,yes,2024-01-03\nnot-a-number,d@x.com,4,no,2024-01-04\n");
        foreach (var x in new[] { "a", "b" })
            f.Write($"jobs/orders_{x}.yaml", $"""
                tenant_id: acme
                source_connector: csv
                target_connector: iceberg
                asset: orders
                asset_path: ../contract.yaml
                schema_validation_mode: warn
                target:
                  table: orders_{x}
                source:
                  files:
                    - path: ../in/{x}.csv
                """);
        f.Write("pipeline.yaml", """
            name: ingest_all
            tasks:
              - name: ingest
                type: job
                foreach:
                  sources:
                    - {values: [orders_a, orders_b]}
                job: jobs/{{ dataset }}.yaml
              - name: report
                type: command
                depends_on: [ingest]
                env: {ITEMS: "{{ outputs.ingest.items }}"}
                command: [bash, -c, 'printf "%s" "$ITEMS" > items.json']
            """);

        var r = await CliRunner.RunAsync(f.Path, ["pipeline", "run", "pipeline.yaml"]);
        Assert.True(r.ExitCode == 0, r.All);
        var items = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(f.Path, "items.json")))!.AsArray();
        var a = items.Single(i => (string)i!["dataset"]! == "orders_a")!["outputs"]!;
        var b = items.Single(i => (string)i!["dataset"]! == "orders_b")!["outputs"]!;
        Assert.Equal("2", (string)a["rows_written"]!);
        Assert.Equal("0", (string)a["rows_rejected"]!);
        Assert.Equal("sales.orders_a", (string)a["table"]!);
        Assert.Equal("2", (string)b["rows_read"]!);
        Assert.Equal("2", (string)b["rows_written"]!);
        Assert.Equal("1", (string)b["rows_rejected"]!); // warn mode: kept, flagged
        Assert.Equal("1", (string)b["exit_code"]!);

        var metaA = await LakeReader.MetadataAsync(f.Warehouse, "sales", "orders_a");
        Assert.Equal(metaA.CurrentSnapshotId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), (string)a["snapshot_id"]!);
        Assert.Equal(2, (await LakeReader.RowsAsync(f.Warehouse, "sales", "orders_b")).Count);

        // a second run finds no new data: succeeds with empty snapshot ids
        var again = await CliRunner.RunAsync(f.Path, ["pipeline", "run", "pipeline.yaml"]);
        Assert.True(again.ExitCode == 0, again.All);
        var items2 = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(f.Path, "items.json")))!.AsArray();
        Assert.All(items2, i => Assert.Equal("", (string)i!["outputs"]!["snapshot_id"]!));
        Assert.All(items2, i => Assert.Equal("0", (string)i!["outputs"]!["rows_written"]!));
    }

    [Fact]
    public async Task A_failing_job_fails_its_item_with_the_reason()
    {
        using var f = new JobFolder();
        f.Write("contract.yaml", JobFolder.OrdersContract);
        f.Write("jobs/broken.yaml", """
            tenant_id: acme
            source_connector: csv
            target_connector: iceberg
            asset: orders
            asset_path: ../contract.yaml
            source:
              files:
                - path: ../in/missing.csv
            """);
        f.Write("pipeline.yaml", """
            name: broken
            tasks:
              - name: ingest
                type: job
                job: jobs/broken.yaml
            """);
        var r = await CliRunner.RunAsync(f.Path, ["pipeline", "run", "pipeline.yaml"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("missing.csv", r.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dataset_cannot_name_a_job_outside_the_pipeline_folder()
    {
        using var f = new JobFolder();
        f.Write("contract.yaml", JobFolder.OrdersContract);
        f.Write("in/a.csv", "id,email,amount,paid,created\n1,a@x.com,1.50,true,2024-01-01 10:00:00\n");
        // a valid job, outside the folder of the pipeline (pipes/team/): the dataset ../../../outside/evil reaches it
        f.Write("outside/evil.yaml", """
            tenant_id: acme
            source_connector: csv
            target_connector: iceberg
            asset: orders
            asset_path: ../contract.yaml
            target:
              table: evil
            source:
              files:
                - path: ../in/a.csv
            """);
        f.Write("pipes/team/pipeline.yaml", """
            name: ingest_all
            tasks:
              - name: ingest
                type: job
                foreach: {sources: [{env: DATASETS}]}
                job: jobs/{{ dataset }}.yaml
            """);
        var r = await CliRunner.RunAsync(Path.Combine(f.Path, "pipes", "team"), ["pipeline", "run", "pipeline.yaml"],
            new Dictionary<string, string> { ["DATASETS"] = "[\"../../../outside/evil\"]", ["DATIVO_NO_PROGRESS"] = "0" }); // item lines on
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("job: the value '../../../outside/evil' of {{ dataset }} climbs out with '..'; a value from data", r.All, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(f.Path, "evil*", SearchOption.AllDirectories));
    }
}
