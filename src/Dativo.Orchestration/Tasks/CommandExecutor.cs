using System.Diagnostics;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// <c>type: command</c>: runs argv (templated) with extra environment and a working directory. Outputs:
/// <c>exit_code</c>, <c>stdout</c> (last 64 KiB, trimmed) and every <c>key=value</c> line the command writes
/// to the file named by <c>$DATIVO_OUTPUT</c>.
/// No shell is involved: each argv element is one argument. A template may not stand inside program text that a shell
/// or interpreter runs (<c>bash -c SCRIPT</c>, ...; see <see cref="CommandArguments"/>): values go in through <c>env:</c>.
/// The child leads its own session and dies with the orchestrator (<see cref="ChildLauncher"/>); on cancellation or timeout
/// everything in its session is killed, when it exits what it left in its process group is, and a resumed attempt first
/// stops what an interrupted one left.
/// </summary>
internal sealed class CommandExecutor : ITaskExecutor
{
    private const int MaxStdout = 64 * 1024;
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(10);

    public void Validate(TaskDefinition task, TaskIssues issues)
    {
        foreach (var (field, value) in new[] { ("pipeline", task.Pipeline), ("job", task.Job), ("sql", task.Sql) })
            if (value is not null) issues.Error(field, $"'{field}' does not apply to a command task");
        if (task.Command is null || task.Command.Count == 0)
        {
            issues.Error("", "a command task needs command: [program, arg, ...]");
            return;
        }
        foreach (var a in CommandArguments.Find(task.Command))
            if (a.Role == CommandArguments.Role.Code && TaskSettings.IsTemplated(task.Command[a.Index]))
                issues.Error($"command[{a.Index}]", CodeTemplate(a.Program));
    }

    internal static string CodeTemplate(string program) =>
        $"a template inside program text that {program} runs would let a value become code; pass the value in env: and read the variable " +
        "(env: {VALUE: \"{{ dataset }}\"} with \"$VALUE\" in the script), or for sh -c as an argument after the script (\"$1\"); see 'Safety' in docs/orchestration.md";

    /// <summary>argv with templates rendered: program text may hold none, the program and script files are paths.</summary>
    private static List<string> RenderArgv(TaskInvocation inv)
    {
        var raw = inv.Task.Command!;
        var argv = raw.Select(inv.Render).ToList();
        foreach (var a in CommandArguments.Find(argv)) // again on the rendered argv: a templated program name is known only now
        {
            if (!TaskSettings.IsTemplated(raw[a.Index])) continue;
            if (a.Role == CommandArguments.Role.Code) throw new Core.Errors.DativoException($"command[{a.Index}]: {CodeTemplate(a.Program)}");
            argv[a.Index] = inv.RenderPath(raw[a.Index], $"command[{a.Index}]");
        }
        if (TaskSettings.IsTemplated(raw[0])) argv[0] = inv.RenderPath(raw[0], "command[0]");
        return argv;
    }

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        if (ProcessKiller.Parse(inv.PreviousHandle) is { } previous && !await ProcessKiller.StopAsync(previous, StopPatience, ct))
            return TaskOutcome.Failed($"the interrupted attempt (pid {previous.Pid}) still runs and could not be stopped; not starting this item a second time");
        Directory.CreateDirectory(Path.GetDirectoryName(inv.LogPath)!);
        await using var log = new StreamWriter(inv.LogPath, append: false) { AutoFlush = true };
        List<string> argv;
        string workDir;
        try
        {
            argv = RenderArgv(inv);
            workDir = inv.Task.WorkingDir is { } wd ? inv.ResolvePath(wd, "working_dir") : inv.Pipeline.Directory;
        }
        catch (Core.Errors.DativoException e)
        {
            await log.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return TaskOutcome.Failed(e.Message);
        }
        var (program, notFound) = ProgramPath.Resolve(argv[0]);
        if (program is null) return TaskOutcome.Failed($"cannot start '{argv[0]}': {notFound}");
        var outputFile = inv.LogPath + ".outputs";
        File.Delete(outputFile);

        var psi = ChildLauncher.StartInfo(program, argv.Skip(1));
        psi.WorkingDirectory = workDir;
        foreach (var (k, v) in inv.Task.Env ?? []) psi.Environment[k] = inv.Render(v);
        psi.Environment["DATIVO_OUTPUT"] = outputFile;
        psi.Environment["DATIVO_RUN_ID"] = inv.Run.RunId;
        psi.Environment["DATIVO_CORRELATION_ID"] = inv.Run.CorrelationId;
        psi.Environment["DATIVO_IDEMPOTENCY_KEY"] = inv.IdempotencyKey;
        psi.Environment["DATIVO_ATTEMPT"] = inv.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (inv.Dataset is not null) psi.Environment["DATIVO_DATASET"] = inv.Dataset;
        if (inv.Run.ExportDate is not null) psi.Environment["DATIVO_EXPORT_DATE"] = inv.Run.ExportDate;

        var tail = new StdoutTail(MaxStdout);
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return TaskOutcome.Failed($"cannot start '{argv[0]}': {e.Message}");
        }
        // Guarded, stdin is the lifeline: it stays open until the child is done. Otherwise the child just gets EOF.
        if (!ChildLauncher.Guarded) process.StandardInput.Close();
        var handle = ProcessKiller.Handle(process);
        var id = ProcessKiller.Parse(handle);
        await inv.RecordHandleAsync(handle, CancellationToken.None);
        var gate = new Lock();
        var pumpOut = Pump(process.StandardOutput, line => { lock (gate) { log.WriteLine(line); tail.Add(line); } });
        var pumpErr = Pump(process.StandardError, line => { lock (gate) log.WriteLine("[stderr] " + line); });
        void Note(string? problem)
        {
            if (problem is not null) lock (gate) log.WriteLine("[dativo] " + problem);
        }
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            Note(await StopAsync(process, id));
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }
        finally
        {
            // closing the lifeline makes the watcher kill what the command left running in its group (e.g. background jobs holding our pipes)
            if (ChildLauncher.Guarded) process.StandardInput.Close();
        }
        await Task.WhenAll(pumpOut, pumpErr);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["exit_code"] = process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["stdout"] = tail.Text.Trim(),
        };
        if (File.Exists(outputFile))
        {
            foreach (var line in await File.ReadAllLinesAsync(outputFile, CancellationToken.None))
            {
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0) outputs[line[..eq].Trim()] = line[(eq + 1)..];
            }
        }
        return process.ExitCode == 0
            ? TaskOutcome.Ok(outputs)
            : TaskOutcome.Failed($"exit code {process.ExitCode}{LastLine(tail.Text)}", outputs);
    }

    /// <summary>Kills the child's session (or its tree when it has none); a problem to note in the log, or null.</summary>
    private static async Task<string?> StopAsync(Process process, ProcessKiller.Identity? id)
    {
        if (id is not { } child || !ChildLauncher.Guarded)
        {
            ProcessKiller.KillTree(process);
            return null;
        }
        return await ProcessKiller.StopAsync(child, StopPatience) ? null : $"processes of session {child.Pid} still run {StopPatience.TotalSeconds:0} s after SIGKILL";
    }

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "" : ": " + lines[^1];
    }

    private static async Task Pump(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line) onLine(line);
    }

    private sealed class StdoutTail(int max)
    {
        private readonly System.Text.StringBuilder _sb = new();

        public void Add(string line)
        {
            _sb.Append(line).Append('\n');
            if (_sb.Length > max * 2) _sb.Remove(0, _sb.Length - max);
        }

        public string Text => _sb.Length > max ? _sb.ToString(_sb.Length - max, max) : _sb.ToString();
    }
}
