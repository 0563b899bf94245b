using Dativo.Application.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Testing;
using AppContext = Dativo.Application.AppContext;

namespace Dativo.Server.Tests;

/// <summary>A pipeline's <c>type: job</c> task without <c>working_dir</c> runs in the host's working directory (the CLI's current directory, the server's base folder) — not in the process's.</summary>
public sealed class JobTaskWorkingDirTests
{
    [Fact]
    public async Task A_job_task_without_working_dir_loads_into_the_warehouse_of_the_host_folder()
    {
        using var dir = new TempDir("dativo-jobdir-");
        dir.File("pipelines/load.yaml", """
            name: load
            tasks:
              - name: orders
                type: job
                job: ../jobs/orders.yaml
            """);
        dir.File("jobs/orders.yaml", "tenant_id: acme\nsource_connector: csv\ntarget_connector: iceberg\nasset: orders\nasset_path: ../contracts/orders.yaml\nsource:\n  files: [{path: ../data/orders.csv}]\n");
        dir.File("contracts/orders.yaml", ServerFixture.Contract);
        dir.File("data/orders.csv", "id,email,amount\n1,a@x.com,10.5\n2,b@x.com,20\n");
        var host = Path.Combine(dir.Path, "host"); // the host's working directory: neither the process's nor the pipeline's
        Directory.CreateDirectory(host);

        var app = new AppContext(_ => null, TimeProvider.System, host, _ => { });
        var store = PipelineHost.OpenRunStore(app, null);
        var run = await PipelineHost.Engine(app, store, _ => { }, Path.Combine(host, "logs"))
            .RunAsync(PipelineHost.Load(app, Path.Combine(dir.Path, "pipelines", "load.yaml")), new RunRequest("c1"), CancellationToken.None);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error ?? run.Tasks["orders"].Error);
        Assert.True(Directory.Exists(Path.Combine(host, ".local", "lake", "sales")), "the table is not in the host folder's warehouse");
        Assert.False(Directory.Exists(Path.Combine(Environment.CurrentDirectory, ".local", "lake", "sales")), "the job wrote into the process's working directory");
    }
}
