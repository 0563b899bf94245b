using System.CommandLine;
using System.Globalization;
using Dativo.Cli.Demo;
using Dativo.Core.Errors;
using Spectre.Console;

namespace Dativo.Cli.Commands;

/// <summary>
/// <c>dativo demo</c>: the flagship example from an empty folder — synthetic shipments for N days into an Iceberg lake,
/// the daily analytics pipeline for each day as one backfill through the orchestrator, the outputs, the tables with
/// their snapshots and tags, and an HTML report with charts.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext ctx)
    {
        var rows = new Option<long>("--rows") { Description = "Shipments in all, the same number each day (rounded up to a multiple of --days)", DefaultValueFactory = _ => 1_001_000 };
        var days = new Option<int>("--days") { Description = "Days to generate and process", DefaultValueFactory = _ => 7 };
        var dir = new Option<string>("--dir") { Description = "Folder for the lake, the run state, the logs and report.html", DefaultValueFactory = _ => "demo" };
        var seed = new Option<ulong>("--seed") { Description = "Random seed of the generator", DefaultValueFactory = _ => 4 };
        var end = new Option<string?>("--end-date") { Description = "Last day (YYYY-MM-DD; default yesterday, UTC)" };
        var shown = new Option<int>("--show") { Description = "Rows shown per output table", DefaultValueFactory = _ => 10 };
        var cmd = new Command("demo", "Generate shipments, run the daily analytics pipeline for each day, print the results and write report.html")
        {
            rows, days, dir, seed, end, shown,
        };
        cmd.SetAction(async (pr, ct) =>
        {
            var o = Options(ctx, pr.GetValue(rows), pr.GetValue(days), pr.GetValue(dir)!, pr.GetValue(seed), pr.GetValue(end));
            return await RunAsync(ctx, o, pr.GetValue(shown), ct).ConfigureAwait(false);
        });
        return cmd;
    }

    private static DemoOptions Options(CliContext ctx, long rows, int days, string dir, ulong seed, string? end)
    {
        if (days is < 1 or > 366) throw new DativoException($"--days must be between 1 and 366 (got {days})");
        if (rows < days) throw new DativoException($"--rows must be at least the number of days ({days}); got {rows}");
        var last = CliArgs.OptionalDate("--end-date", end) ?? DateOnly.FromDateTime(ctx.Time.GetUtcNow().UtcDateTime).AddDays(-1);
        var interactive = !Console.IsErrorRedirected && ctx.Env("DATIVO_NO_PROGRESS") != "1";
        return new DemoOptions(rows, days, dir, seed, last, interactive);
    }

    private static async Task<int> RunAsync(CliContext ctx, DemoOptions o, int shown, CancellationToken ct)
    {
        var started = ctx.Time.GetTimestamp();
        var console = ResultTables.Console(ctx.Out);
        await ctx.Err.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"dativo demo: {o.TotalRows:N0} shipments over {o.Days} days{(o.TotalRows != o.Rows ? $" ({o.RowsPerDay:N0} a day: --rows {o.Rows:N0} rounded up to whole days)" : "")} ({o.StartDate:yyyy-MM-dd} .. {o.EndDate:yyyy-MM-dd}) in {Path.GetFullPath(o.Folder)}")).ConfigureAwait(false);
        var (run, store) = await DemoRunner.RunAsync(ctx, o, ct).ConfigureAwait(false);
        var summary = await RunsCommands.DescribeAsync(store, run, ct).ConfigureAwait(false);
        var pipelineTime = ctx.Time.GetElapsedTime(started);
        if (summary.ExitCode != 0)
        {
            await ctx.Out.WriteLineAsync(summary.Text).ConfigureAwait(false);
            await ctx.Err.WriteLineAsync($"the pipeline did not succeed; logs under {Path.GetFullPath(o.Logs)}").ConfigureAwait(false);
            return summary.ExitCode;
        }

        await using var lake = await DemoLake.OpenAsync(o.Lake, o.EndDate, ctx.Time, ct).ConfigureAwait(false);
        await DemoConsole.PrintOutputsAsync(console, lake, shown, ct).ConfigureAwait(false);
        console.Write(new Rule("[bold]Run summary[/]").LeftJustified());
        console.Write(new Text(summary.Text + "\n"));
        var tables = await lake.TablesAsync(ct).ConfigureAwait(false);
        DemoConsole.PrintTables(console, tables);

        var footer = string.Create(CultureInfo.InvariantCulture, $"run {run.RunId}: {summary.Text.Split('\n')[0]} · pipeline {Path.GetFullPath(o.PipelineFile)} · lake {Path.GetFullPath(o.Lake)}");
        var html = await DemoReport.RenderAsync(lake, o, tables, footer, ct).ConfigureAwait(false);
        var tmp = o.Report + ".tmp";
        await File.WriteAllTextAsync(tmp, html, ct).ConfigureAwait(false);
        File.Move(tmp, o.Report, overwrite: true);
        var elapsed = ctx.Time.GetElapsedTime(started);
        console.Write(new Text(string.Create(CultureInfo.InvariantCulture,
            $"\nreport: {Path.GetFullPath(o.Report)}\ndone in {elapsed.TotalSeconds:0.0} s (pipeline {pipelineTime.TotalSeconds:0.0} s); run it again any time: each day replaces its own partitions\n")));
        return 0;
    }
}
