using Dativo.Core.Config;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Testing;
using Dativo.Testing.Services;

namespace Dativo.Orchestration.Tests;

/// <summary>The same run store on PostgreSQL (several machines share it).</summary>
public sealed class PostgresRunTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    [SkippableFact]
    public async Task Resume_and_clear_work_on_postgresql()
    {
        Skip.If(db.SkipReason is not null, db.SkipReason);
        var exec = new ScriptedExecutor(TimeProvider.System);
        exec.Script["b"] = new(["fail"]);
        using var h = new EngineHarness(register: r => r.Register("scripted", exec), stateUri: db.ConnectionString);
        var p = h.Load("""
            name: pg
            tasks:
              - {name: t, type: scripted, concurrency: 2, foreach: {sources: [{values: [a, b, c]}]}}
              - {name: s, type: scripted, depends_on: [t], trigger_rule: all_done}
            """);
        var first = await h.RunAsync(p, "c1");
        Assert.Equal(RunStatus.Failed, first.Status);
        var second = await h.RunAsync(p, "c1");
        Assert.Equal((2, RunStatus.Succeeded), (second.RunCounter, second.Status));
        Assert.Equal(["a", "b", "c", "s", "b", "s"], exec.Calls.Select(c => c.Key).Take(3).Order().Concat(exec.Calls.Skip(3).Select(c => c.Key)));
        var items = await h.ItemsAsync(second.RunId, "t");
        Assert.Equal([1, 2, 1], items.Select(i => i.Attempts.Count));
        Assert.True(await h.Store.DeleteRunAsync(second.RunId, default));
        Assert.Null(await h.Store.GetRunAsync(second.RunId, default));
        Assert.Empty(await h.ItemsAsync(second.RunId, "t"));
    }
}

public sealed class SchemaFileTests
{
    [Fact]
    public void Pipeline_schema_is_published_and_in_sync()
    {
        PipelineSchema.Register();
        var (file, text) = PublishedSchemas.All().Single(s => s.File == "pipeline.schema.json");
        var committed = Path.Combine(Repo.Root, "schemas", file);
        Assert.True(File.Exists(committed) && File.ReadAllText(committed) == text, "schemas/pipeline.schema.json is stale: run ./dativo schema export --out schemas");
    }
}
