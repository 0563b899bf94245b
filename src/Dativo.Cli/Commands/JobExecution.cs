using System.Globalization;
using Dativo.Application.Jobs;
using Dativo.Core.Config.Jobs;
using Dativo.Ingestion.Running;
using Spectre.Console;

namespace Dativo.Cli.Commands;

/// <summary>
/// Runs validated jobs one after another, isolating failures: progress bars on a terminal (JSON-lines
/// events on stderr otherwise, or with DATIVO_NO_PROGRESS=1), then one summary table — also after a stop signal,
/// saying which jobs committed and which did not. Exit code is the worst job's: 0 ok / no new data, 1 invalid records
/// kept (warn), 2 failure or rejected records (strict), 130 stopped before its commit.
/// </summary>
internal static class JobExecution
{
    /// <summary>Runs the jobs; <paramref name="secretsDir"/> defaults to DATIVO_SECRETS_DIR, else ./secrets.</summary>
    public static async Task<int> RunAllAsync(IReadOnlyList<LoadedJob> jobs, CliContext ctx, CancellationToken ct, string? secretsDir = null)
    {
        var tty = ctx.Env("DATIVO_NO_PROGRESS") != "1" && ReferenceEquals(ctx.Err, Console.Error) && !Console.IsErrorRedirected;
        var results = new List<JobResult>();
        await using (var session = JobSession.Open(ctx.App, secretsDir))
        {
            if (tty)
            {
                await AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                    .StartAsync(async p =>
                    {
                        foreach (var job in jobs)
                        {
                            if (ct.IsCancellationRequested) { results.Add(JobSession.NotStarted(job)); continue; }
                            var task = p.AddTask(Markup.Escape(job.Name), maxValue: 1);
                            var r = await session.RunAsync(job, null, new BarProgress(task), ct).ConfigureAwait(false);
                            if (r.Error is not null && !r.Cancelled) await ctx.Err.WriteLineAsync($"error: {job.Name}: {r.Error}").ConfigureAwait(false);
                            results.Add(r);
                            task.Value = task.MaxValue;
                            task.StopTask();
                        }
                    }).ConfigureAwait(false);
            }
            else
            {
                // without a terminal the job's JSON-lines events go to stderr
                foreach (var job in jobs)
                    results.Add(ct.IsCancellationRequested ? JobSession.NotStarted(job) : await session.RunAsync(job, ctx.Err, null, ct).ConfigureAwait(false));
            }
        }
        await PrintSummaryAsync(results, ctx, tty).ConfigureAwait(false);
        return results.Count == 0 ? 0 : results.Max(r => r.ExitCode);
    }

    private static async Task PrintSummaryAsync(List<JobResult> results, CliContext ctx, bool tty)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(ctx.Out),
            Ansi = tty ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = tty ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!tty) console.Profile.Width = 200;
        var table = new Table().Border(tty ? TableBorder.Rounded : TableBorder.Ascii)
            .AddColumns("job", "table", "rows in", "written", "rejected", "files", "snapshot", "duration", "rows/s", "status");
        foreach (var r in results)
        {
            var status = r.Cancelled ? "cancelled: " + r.Error
                : r.Error is not null ? "failed: " + r.Error
                : r.NoNewData ? "no new data"
                : r.Rejected > 0 ? (r.WarnMode ? "ok, invalid values kept (warn)" : "rejected records") + $"; quarantine {r.Quarantine}"
                : "ok";
            if (r.Warning is not null) status += "; warning: " + r.Warning;
            table.AddRow(Markup.Escape(r.Job), Markup.Escape(r.Table), N(r.RowsRead), N(r.RowsWritten), N(r.Rejected), N(r.Files),
                Markup.Escape(r.SnapshotId ?? "-"), r.Duration.TotalSeconds.ToString("0.0s", CultureInfo.InvariantCulture),
                N((long)r.RowsPerSecond), Markup.Escape(status));
        }
        console.Write(table);
        await ctx.Out.FlushAsync().ConfigureAwait(false);
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private sealed class BarProgress(ProgressTask task) : IRunProgress
    {
        public void Report(string job, long rowsRead, long rowsWritten, long bytes, long totalBytes)
        {
            if (totalBytes > 0) { task.MaxValue = totalBytes; task.Value = Math.Min(bytes, totalBytes); }
            task.Description = Markup.Escape($"{job}: {rowsRead:N0} read, {rowsWritten:N0} written, {bytes / 1048576.0:0.0} MiB");
        }
    }
}
