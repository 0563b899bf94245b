using System.Diagnostics;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// <c>type: command</c>: runs argv (templated) with extra environment and a working directory. Outputs:
/// <c>exit_code</c>, <c>stdout</c> (last 64 KiB, trimmed) and every <c>key=value</c> line the command writes
/// to the file named by <c>$DATIVO_OUTPUT</c>. On cancellation or timeout the whole process tree is killed.
/// </summary>
internal sealed class CommandExecutor : ITaskExecutor
{
    private const int MaxStdout = 64 * 1024;

    public void Validate(TaskDefinition task, TaskIssues issues)
    {
        if (task.Command is null || task.Command.Count == 0)
            issues.Error("", "a command task needs command: [program, arg, ...]");
        foreach (var (field, value) in new[] { ("pipeline", task.Pipeline), ("job", task.Job), ("sql", task.Sql) })
            if (value is not null) issues.Error(field, $"'{field}' does not apply to a command task");
    }

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        ProcessKiller.KillLeftover(inv.PreviousHandle);
        var argv = inv.Task.Command!.Select(inv.Render).ToList();
        var workDir = inv.Task.WorkingDir is { } wd ? inv.Pipeline.Resolve(inv.Render(wd)) : inv.Pipeline.Directory;
        Directory.CreateDirectory(Path.GetDirectoryName(inv.LogPath)!);
        var outputFile = inv.LogPath + ".outputs";
        File.Delete(outputFile);

        var psi = new ProcessStartInfo(argv[0])
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in inv.Task.Env ?? []) psi.Environment[k] = inv.Render(v);
        psi.Environment["DATIVO_OUTPUT"] = outputFile;
        psi.Environment["DATIVO_RUN_ID"] = inv.Run.RunId;
        psi.Environment["DATIVO_CORRELATION_ID"] = inv.Run.CorrelationId;
        psi.Environment["DATIVO_IDEMPOTENCY_KEY"] = inv.IdempotencyKey;
        psi.Environment["DATIVO_ATTEMPT"] = inv.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (inv.Dataset is not null) psi.Environment["DATIVO_DATASET"] = inv.Dataset;
        if (inv.Run.ExportDate is not null) psi.Environment["DATIVO_EXPORT_DATE"] = inv.Run.ExportDate;

        await using var log = new StreamWriter(inv.LogPath, append: false) { AutoFlush = true };
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
        process.StandardInput.Close();
        await inv.RecordHandleAsync(ProcessKiller.Handle(process), CancellationToken.None);
        var gate = new Lock();
        var pumpOut = Pump(process.StandardOutput, line => { lock (gate) { log.WriteLine(line); tail.Add(line); } });
        var pumpErr = Pump(process.StandardError, line => { lock (gate) log.WriteLine("[stderr] " + line); });
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            ProcessKiller.KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
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
