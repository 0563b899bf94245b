using System.CommandLine;
using Dativo.Lake.State;
using Dativo.Orchestration.Alerts;
using Dativo.Orchestration.Datasets;
using Dativo.Orchestration.Pipelines;
using Dativo.Orchestration.Runs;
using Dativo.Orchestration.Tasks;

namespace Dativo.Cli.Commands;

/// <summary>Wiring of the orchestrator for the CLI: state location, task types, AWS readers, alerts.</summary>
internal static class PipelineServices
{
    private static readonly HttpClient Http = new();

    public static Option<string> StateOption() => new("--state")
    {
        Description = "state store: a SQLite file or folder, or postgresql://... (default: $DATIVO_STATE, else .dativo/state.db)",
    };

    public static string StateDirectory(CliContext ctx) => Path.GetFullPath(".dativo");

    public static IRunStore OpenStore(CliContext ctx, string? state)
    {
        var uri = state ?? ctx.Env("DATIVO_STATE");
        if (uri is not null && !uri.Contains("://", StringComparison.Ordinal) && Directory.Exists(uri))
            return new StateStoreRunStore(StateStores.Open(new StateStoreOptions { Directory = uri, Time = ctx.Time }));
        return new StateStoreRunStore(StateStores.Open(new StateStoreOptions { Uri = uri, Directory = StateDirectory(ctx), Time = ctx.Time }));
    }

    /// <summary>The task types of this build; other layers register theirs here (one line each).</summary>
    public static TaskTypeRegistry Registry()
    {
        var r = TaskTypeRegistry.CreateDefault();
        r.Register("job", new JobTaskExecutor());
        return r;
    }

    public static IAwsValueReader Aws(CliContext ctx) => new AwsValueReader(ctx.Env, Http);

    public static RunEngine Engine(CliContext ctx, IRunStore store, bool progress)
    {
        var quiet = !progress || ctx.Env("DATIVO_NO_PROGRESS") == "1";
        return new RunEngine(new RunOptions
        {
            Store = store,
            Registry = Registry(),
            Time = ctx.Time,
            Env = ctx.Env,
            Aws = Aws(ctx),
            LogRoot = Path.Combine(StateDirectory(ctx), "logs"),
            Progress = e => Print(ctx, e, quiet),
            Alerts = new WebhookAlerts(Http, msg => ctx.Err.WriteLine("warning: " + msg)),
        });
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

    public static LoadedPipeline Load(CliContext ctx, string file, IReadOnlyDictionary<string, string>? overrides = null, IEnumerable<string>? dataParams = null)
    {
        PipelineSchema.Register();
        return PipelineLoader.Load(file, Registry(), ctx.Env, overrides, dataParams);
    }

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
