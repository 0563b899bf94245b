using System.Runtime.InteropServices;

namespace Dativo.Core.Faults;

/// <summary>
/// Named points in commit paths where the fault suite and the guarantee tests make a process fail on purpose, so that
/// "what survives a crash here" is tested at the exact moment instead of by luck. Off unless DATIVO_FAULTS is set:
/// <c>DATIVO_FAULTS=point=action[,point=action]</c>, actions <c>kill</c> (SIGKILL this process), <c>sigterm</c> (a stop
/// request, as from Ctrl-C), <c>fail</c> (an I/O error at that point) and <c>wait:PATH</c> (write PATH.waiting, then block until PATH exists).
/// </summary>
public static partial class FaultPoints
{
    public const string EnvironmentVariable = "DATIVO_FAULTS";

    /// <summary>Ingestion: data files written, the commit not started.</summary>
    public const string IngestBeforeCommit = "ingest.before-commit";

    /// <summary>Ingestion: the table commit is done; the state store copy and the summary are not.</summary>
    public const string IngestAfterCommit = "ingest.after-commit";

    /// <summary>Ingestion: committed; the copy of the state into the state store is next.</summary>
    public const string IngestStateSync = "ingest.state-sync";

    /// <summary>Lake: the new metadata file is written; the catalog still points at the old one.</summary>
    public const string LakeBeforeSwap = "lake.before-swap";

    /// <summary>Lake: the catalog points at the new metadata; nothing after it has run.</summary>
    public const string LakeAfterSwap = "lake.after-swap";

    /// <summary>Streaming: a Kinesis batch is synced in the write-ahead log; its checkpoint is not written yet.</summary>
    public const string KinesisBeforeCheckpoint = "stream.kinesis.before-checkpoint";

    /// <summary>Orchestration: before an attempt of task <paramref name="task"/> runs — <c>task.NAME</c> (every attempt) and <c>task.NAME.attemptN</c> (attempt N only).</summary>
    public static string[] TaskAttempt(string task, int attempt) => [$"task.{task}", $"task.{task}.attempt{attempt}"];

    private static readonly IReadOnlyDictionary<string, string> Armed = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static bool Any => Armed.Count > 0;

    /// <summary>Does what DATIVO_FAULTS asks at <paramref name="point"/>, or nothing.</summary>
    public static async Task HitAsync(string point, CancellationToken ct = default)
    {
        if (Armed.Count == 0 || !Armed.TryGetValue(point, out var action)) return;
        switch (action)
        {
            case "kill":
                Kill(Environment.ProcessId, 9);
                await Task.Delay(Timeout.Infinite, CancellationToken.None).ConfigureAwait(false);
                break;
            case "sigterm":
                Kill(Environment.ProcessId, 15);
                // let the signal handler run before the caller goes on, as if the signal had arrived just now
                await Task.Delay(200, CancellationToken.None).ConfigureAwait(false);
                break;
            case "fail":
                throw new IOException($"fault injected at {point} ({EnvironmentVariable})");
            default:
                if (action.StartsWith("wait:", StringComparison.Ordinal))
                {
                    var go = action[5..];
                    await File.WriteAllTextAsync(go + ".waiting", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None).ConfigureAwait(false);
                    while (!File.Exists(go)) await Task.Delay(20, ct).ConfigureAwait(false);
                }
                break;
        }
    }

    private static Dictionary<string, string> Parse(string? text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) d[part[..eq]] = part[(eq + 1)..];
        }
        return d;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
