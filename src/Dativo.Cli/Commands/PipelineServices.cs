using System.CommandLine;
using Dativo.Application.Pipelines;
using Dativo.Orchestration.Datasets;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;

namespace Dativo.Cli.Commands;

/// <summary>The orchestrator for CLI commands: the application layer's wiring (<see cref="PipelineHost"/>) plus the --state option and progress lines.</summary>
internal static class PipelineServices
{
    public static Option<string> StateOption() => new("--state")
    {
        Description = "state store: a SQLite file or folder, or postgresql://... (default: $DATIVO_STATE, else .dativo/state.db)",
    };

    public static IRunStore OpenStore(CliContext ctx, string? state) => PipelineHost.OpenRunStore(ctx.App, state);

    public static TaskTypeRegistry Registry() => PipelineHost.Registry();

    public static IAwsValueReader Aws(CliContext ctx) => PipelineHost.Aws(ctx.App);

    public static RunEngine Engine(CliContext ctx, IRunStore store, bool progress)
    {
        var quiet = !progress || ctx.Env("DATIVO_NO_PROGRESS") == "1";
        return PipelineHost.Engine(ctx.App, store, e => Print(ctx, e, quiet));
    }

    public static RunEngine WorkerEngine(CliContext ctx, StateStoreRunStore store, TimeSpan? lease, int? slots)
    {
        var quiet = ctx.Env("DATIVO_NO_PROGRESS") == "1";
        return PipelineHost.WorkerEngine(ctx.App, store, e => Print(ctx, e, quiet), lease, slots);
    }

    private static readonly Lock Gate = new();

    private static void Print(CliContext ctx, RunEvent e, bool quiet)
    {
        var itemLevel = e.Dataset is not null || (e.Task is not null && e.Attempt > 0);
        if (quiet && itemLevel) return;
        if (e.Dataset is null && e.Task is not null && e.Attempt == 1) return; // a plain task's only attempt: the task lines say it
        var what = e.Task is null ? e.RunId : e.Dataset is null ? e.Task : $"{e.Task}[{e.Dataset}]";
        var attempt = e.Attempt > 1 ? $" attempt {e.Attempt}" : "";
        lock (Gate) ctx.Err.WriteLine($"{CliFormat.Instant(ctx.Time.GetUtcNow())} {e.Status,-9} {what}{attempt}{(e.Message is null ? "" : " - " + e.Message)}");
    }

    public static LoadedPipeline Load(CliContext ctx, string file, IReadOnlyDictionary<string, string>? overrides = null, IEnumerable<string>? dataParams = null) =>
        PipelineHost.Load(ctx.App, file, overrides, dataParams);

    public static Dictionary<string, string> ParseSets(string[]? sets)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in sets ?? [])
        {
            var eq = s.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new Core.Errors.DativoException($"--set '{s}': write --set key=value");
            result[s[..eq]] = s[(eq + 1)..];
        }
        return result;
    }

    public static int ExitCode(RunRecord run, IReadOnlyList<ItemRecord> items) =>
        run.Status == RunStatus.Succeeded ? 0 : items.Any(i => i.Status == RunStatus.Succeeded) ? 1 : 2;
}
