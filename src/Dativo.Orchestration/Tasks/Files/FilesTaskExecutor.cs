using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Ingestion.Sources.Normalization;
using Dativo.Lake.Storage;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks.Files;

/// <summary>
/// <c>type: files</c>: the file steps of a daily raw load (seed 003's CYI pattern), on a local folder or an S3 prefix alike.
/// <c>with.action</c>:
/// <list type="bullet">
/// <item><c>clear</c>: deletes everything in the day's staging area (<c>with.staging</c>), so a re-run starts clean;</item>
/// <item><c>list</c>: lists the day's files under <c>with.source</c> + <c>with.prefix</c>; none → the task is <b>skipped</b>
/// with a reason naming the prefix (the run ends SKIPPED and alerts <c>on: [skipped]</c>), or fails with <c>when_empty: fail</c>;</item>
/// <item><c>normalize</c>: gzips the day's files into the staging area (<see cref="GzipNormalizer"/>); an unsupported file is
/// copied to <c>with.quarantine</c> and raises a warning alert, the others still load;</item>
/// <item><c>record</c>: writes the day's outcome to <c>with.outcomes</c>/&lt;date&gt;.json from the outputs of the steps named
/// in <c>with.steps</c> (list, normalize, load).</item>
/// </list>
/// Every location may hold <c>{date}</c> or <c>{date:FORMAT}</c>: the day processed (see <see cref="DayLocation.Day"/>).
/// </summary>
internal sealed class FilesTaskExecutor : ITaskExecutor
{
    private static readonly Dictionary<string, string[]> Keys = new(StringComparer.Ordinal)
    {
        ["clear"] = ["action", "date", "day_offset", "staging"],
        ["list"] = ["action", "date", "day_offset", "source", "prefix", "when_empty"],
        ["normalize"] = ["action", "date", "day_offset", "source", "prefix", "staging", "quarantine"],
        ["record"] = ["action", "date", "day_offset", "outcomes", "steps"],
    };

    private static readonly Dictionary<string, string[]> Required = new(StringComparer.Ordinal)
    {
        ["clear"] = ["staging"],
        ["list"] = ["source", "prefix"],
        ["normalize"] = ["source", "prefix", "staging"],
        ["record"] = ["outcomes"],
    };

    public void Validate(TaskDefinition task, TaskIssues issues)
    {
        var action = TaskSettings.Raw(task, "action");
        if (action is null || !Keys.TryGetValue(action, out var known))
        {
            issues.Error("with.action", $"a files task needs with.action: {string.Join(", ", Keys.Keys)}" + (action is null ? "" : $" (not '{action}')"));
            return;
        }
        TaskSettings.CheckKeys(task, issues, known);
        foreach (var key in Required[action].Where(k => !TaskSettings.Has(task, k)))
            issues.Error("with", $"a files task with action {action} needs with.{key}");
        if (TaskSettings.Raw(task, "prefix") is { } prefix && !prefix.EndsWith('/'))
            issues.Error("with.prefix", $"the prefix '{prefix}' must end with '/', so that cyi/2021-04-01x/ is not read as cyi/2021-04-01/");
        if (TaskSettings.Raw(task, "when_empty") is { } w && w is not ("skip" or "fail"))
            issues.Error("with.when_empty", $"when_empty is skip (default) or fail, not '{w}'");
        if (task.Command is not null || task.Job is not null || task.Pipeline is not null)
            issues.Error("", "a files task takes its settings from with:, not command/job/pipeline");
    }

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(inv.LogPath)!);
        await using var log = new StreamWriter(inv.LogPath, append: false) { AutoFlush = true };
        try
        {
            var day = DayLocation.Day(inv);
            var outcome = TaskSettings.Get(inv, "action") switch
            {
                "clear" => await ClearAsync(inv, day, log, ct).ConfigureAwait(false),
                "list" => await ListAsync(inv, day, log, ct).ConfigureAwait(false),
                "normalize" => await NormalizeAsync(inv, day, log, ct).ConfigureAwait(false),
                "record" => await RecordAsync(inv, day, log, ct).ConfigureAwait(false),
                var a => TaskOutcome.Failed($"unknown files action '{a}'"),
            };
            await log.WriteLineAsync(outcome.Succeeded ? "ok: " + string.Join(" ", outcome.Outputs.Select(kv => $"{kv.Key}={kv.Value}"))
                : (outcome.Skipped ? "skipped: " : "error: ") + outcome.Error).ConfigureAwait(false);
            return outcome;
        }
        catch (DativoException e)
        {
            await log.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return TaskOutcome.Failed(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ObjectNotFoundException)
        {
            var message = $"{e.GetType().Name}: {e.Message}";
            await log.WriteLineAsync("error: " + message).ConfigureAwait(false);
            return TaskOutcome.Failed(message);
        }
    }

    private static async Task<TaskOutcome> ClearAsync(TaskInvocation inv, DateOnly day, StreamWriter log, CancellationToken ct)
    {
        var staging = DayLocation.Required(inv, "staging", day);
        var store = DayLocation.Open(inv, staging);
        var keys = new List<string>();
        await foreach (var o in store.ListAsync("", ct).ConfigureAwait(false)) keys.Add(o.Key);
        foreach (var k in keys) await store.DeleteAsync(k, ct).ConfigureAwait(false);
        await log.WriteLineAsync($"cleared {keys.Count} object(s) from {staging}").ConfigureAwait(false);
        return TaskOutcome.Ok(Outputs(day, ("staging", staging), ("deleted", N(keys.Count))));
    }

    private static async Task<(string Source, string Prefix, List<ObjectInfo> Files)> DayFilesAsync(TaskInvocation inv, DateOnly day, CancellationToken ct)
    {
        var source = DayLocation.Required(inv, "source", day);
        var prefix = DayLocation.Fill(TaskSettings.Get(inv, "prefix") ?? "", day).TrimStart('/');
        var store = DayLocation.Open(inv, source);
        var files = new List<ObjectInfo>();
        await foreach (var o in store.ListAsync(prefix, ct).ConfigureAwait(false))
            if (o.Key.StartsWith(prefix, StringComparison.Ordinal)) files.Add(o);
        return (source, prefix, files);
    }

    private static async Task<TaskOutcome> ListAsync(TaskInvocation inv, DateOnly day, StreamWriter log, CancellationToken ct)
    {
        var (source, prefix, files) = await DayFilesAsync(inv, day, ct).ConfigureAwait(false);
        var where = $"{source.TrimEnd('/')}/{prefix}";
        foreach (var f in files) await log.WriteLineAsync($"{f.Key} {f.Size} bytes").ConfigureAwait(false);
        var outputs = Outputs(day, ("prefix", where), ("count", N(files.Count)), ("files", JsonSerializer.Serialize(files.Select(f => f.Key))));
        if (files.Count > 0) return TaskOutcome.Ok(outputs);
        var reason = $"no files for {DayLocation.Text(day)} under {where}";
        return TaskSettings.Get(inv, "when_empty") == "fail" ? TaskOutcome.Failed(reason, outputs) : TaskOutcome.Skip(reason + "; the day is skipped", outputs);
    }

    private static async Task<TaskOutcome> NormalizeAsync(TaskInvocation inv, DateOnly day, StreamWriter log, CancellationToken ct)
    {
        var (source, prefix, files) = await DayFilesAsync(inv, day, ct).ConfigureAwait(false);
        var staging = DayLocation.Required(inv, "staging", day);
        var quarantine = DayLocation.Location(inv, "quarantine", day);
        var sourceStore = DayLocation.Open(inv, source);
        var results = await GzipNormalizer.NormalizeAsync(sourceStore, [.. files.Select(f => f.Key)], DayLocation.Open(inv, staging), "", ct).ConfigureAwait(false);
        var quarantined = 0;
        foreach (var r in results)
        {
            await log.WriteLineAsync($"{r.SourceKey} -> {(r.Outputs.Count == 0 ? "-" : string.Join(", ", r.Outputs))}{(r.Unsupported is null ? "" : " (" + r.Unsupported + ")")}").ConfigureAwait(false);
            if (r.Unsupported is null) continue;
            var shown = $"{source.TrimEnd('/')}/{r.SourceKey}";
            if (r.Outputs.Count > 0)
            {
                await inv.WarnAsync($"{shown}: {r.Unsupported}; its other entries load", ct).ConfigureAwait(false);
                continue;
            }
            quarantined++;
            var kept = quarantine is null ? "not kept (no with.quarantine)" : "copied to " + await QuarantineAsync(inv, sourceStore, r, quarantine, ct).ConfigureAwait(false);
            await inv.WarnAsync($"quarantined {shown}: {r.Unsupported}; {kept}; the day's other files load", ct).ConfigureAwait(false);
        }
        var written = results.Sum(r => r.Outputs.Count);
        if (written == 0)
            return TaskOutcome.Failed($"none of the {files.Count} file(s) under {source.TrimEnd('/')}/{prefix} could be normalised; see the quarantine {quarantine}",
                Outputs(day, ("staging", staging), ("files", "0"), ("quarantined", N(quarantined))));
        return TaskOutcome.Ok(Outputs(day, ("staging", staging), ("files", N(written)), ("quarantined", N(quarantined))));
    }

    private static async Task<string> QuarantineAsync(TaskInvocation inv, IObjectStore source, NormalizedFile r, string quarantine, CancellationToken ct)
    {
        var store = DayLocation.Open(inv, quarantine);
        var name = GzipNormalizer.SafeName(r.SourceKey.Replace('/', '_'));
        await using (var input = await source.OpenReadAsync(r.SourceKey, ct).ConfigureAwait(false))
            await store.PutAsync(name, input, ct).ConfigureAwait(false);
        using var why = new MemoryStream(Encoding.UTF8.GetBytes($"{r.SourceKey}: {r.Unsupported}\n"));
        await store.PutAsync(name + ".reason.txt", why, ct).ConfigureAwait(false);
        return store.UriOf(name);
    }

    private static async Task<TaskOutcome> RecordAsync(TaskInvocation inv, DateOnly day, StreamWriter log, CancellationToken ct)
    {
        var outcomes = DayLocation.Required(inv, "outcomes", day);
        var steps = StepNames(inv.Task);
        var record = new JsonObject
        {
            ["date"] = DayLocation.Text(day),
            ["pipeline"] = inv.Run.Pipeline,
            ["correlation_id"] = inv.Run.CorrelationId,
            ["run_counter"] = inv.Run.RunCounter,
            ["recorded_at"] = inv.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        };
        var count = Output(inv, steps.List, "count");
        var rows = Output(inv, steps.Load, "rows_written");
        record["outcome"] = count == "0" ? "skipped" : rows is not null ? "loaded" : "failed";
        record["prefix"] = Output(inv, steps.List, "prefix");
        record["files"] = count;
        record["normalized_files"] = Output(inv, steps.Normalize, "files");
        record["quarantined"] = Output(inv, steps.Normalize, "quarantined");
        record["rows_written"] = rows;
        record["snapshot_id"] = Output(inv, steps.Load, "snapshot_id");
        var store = DayLocation.Open(inv, outcomes);
        var name = DayLocation.Text(day) + ".json";
        using (var body = new MemoryStream(Encoding.UTF8.GetBytes(record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n")))
            await store.PutAsync(name, body, ct).ConfigureAwait(false);
        await log.WriteLineAsync($"recorded {store.UriOf(name)}").ConfigureAwait(false);
        return TaskOutcome.Ok(Outputs(day, ("outcome", (string)record["outcome"]!), ("record", store.UriOf(name))));
    }

    private static (string List, string Normalize, string Load) StepNames(TaskDefinition task)
    {
        var map = TaskSettings.RawMap(task, "steps");
        return (map?.GetValueOrDefault("list") ?? "list_files", map?.GetValueOrDefault("normalize") ?? "normalize", map?.GetValueOrDefault("load") ?? "load");
    }

    /// <summary>An upstream step's output, or null when that step did not run or has no such output (a skipped day).</summary>
    private static string? Output(TaskInvocation inv, string task, string key)
    {
        try { return inv.Resolve($"outputs.{task}.{key}"); }
        catch (DativoException) { return null; }
    }

    private static Dictionary<string, string> Outputs(DateOnly day, params (string Key, string Value)[] values)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal) { ["date"] = DayLocation.Text(day) };
        foreach (var (k, v) in values) d[k] = v;
        return d;
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
