using System.Globalization;
using Dativo.Cli.Commands;
using Dativo.Ingestion.Generators.Shipments;
using Dativo.Application.Pipelines;
using Dativo.Orchestration.Runs;

namespace Dativo.Cli.Demo;

/// <summary>
/// The demo's work: writes the daily pipeline and its SQL files under the demo folder (so a user can read and edit
/// what ran), then runs the pipeline for each day as one backfill through the orchestrator (state in state.db).
/// Every run gets a new correlation id, so re-running the demo redoes each day; the tables stay idempotent because
/// each day replaces its own partitions.
/// </summary>
internal static class DemoRunner
{
    private const int TasksPerDay = 6;
    private const string PipelineResource = "Dativo.Demo.shipments_daily.yaml";

    public static async Task<(RunRecord Run, IRunStore Store)> RunAsync(CliContext ctx, DemoOptions o, CancellationToken ct)
    {
        Directory.CreateDirectory(o.Folder);
        await WriteFilesAsync(o, ct).ConfigureAwait(false);
        var overrides = new Dictionary<string, string>
        {
            ["warehouse"] = Path.GetFullPath(o.Lake),
            ["rows_per_day"] = o.RowsPerDay.ToString(CultureInfo.InvariantCulture),
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
        };
        var pipeline = PipelineServices.Load(ctx, Path.GetFullPath(o.PipelineFile), overrides);
        var store = PipelineServices.OpenStore(ctx, Path.GetFullPath(o.State));
        var progress = new DemoProgress(ctx.Err, o.Days, TasksPerDay, o.Progress, ctx.Time);
        var engine = PipelineHost.Engine(ctx.App, store, progress.OnEvent, Path.GetFullPath(o.Logs));
        var correlation = "demo-" + ctx.Time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        try
        {
            var run = await Backfill.RunAsync(engine, pipeline, Day(o.StartDate), Day(o.EndDate), correlation, parallelDays: 1, ct).ConfigureAwait(false);
            return (run, store);
        }
        finally
        {
            progress.Finish();
        }
    }

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The pipeline (embedded copy of examples/pipelines/shipments_daily.yaml) and the five SQL files it reads.</summary>
    private static async Task WriteFilesAsync(DemoOptions o, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(o.PipelineFile)!);
        await using (var s = typeof(DemoRunner).Assembly.GetManifestResourceStream(PipelineResource)
            ?? throw new InvalidOperationException($"embedded {PipelineResource} missing"))
        using (var r = new StreamReader(s))
            await File.WriteAllTextAsync(o.PipelineFile, await r.ReadToEndAsync(ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        var sqlDir = Path.Combine(o.Folder, "shipments", "sql");
        Directory.CreateDirectory(sqlDir);
        foreach (var name in ShipmentAnalytics.Outputs)
            await File.WriteAllTextAsync(Path.Combine(sqlDir, name + ".sql"), ShipmentAnalytics.LoadSql(name), ct).ConfigureAwait(false);
    }
}
