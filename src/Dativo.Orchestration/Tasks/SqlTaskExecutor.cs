using System.Globalization;
using Dativo.Core.Errors;
using Dativo.Core.Tags;
using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// <c>type: sql</c>: one query on the embedded DuckDB engine over Iceberg tables, its result written to an Iceberg table.
/// <code>
/// with:
///   sql_file: ../shipments/sql/carrier_performance.sql   # or sql: "SELECT ..." (relative to the pipeline file)
///   inputs: {shipments: logistics.shipments}             # view name → table
///   day: "{{ export_date }}"                             # optional: only this day of each input ...
///   day_column: shipment_date                            # ... on this column (pushed into the scan)
///   output: analytics.carrier_performance                # created on first use, partitioned by run_date
///   run_date: "{{ export_date }}"                        # default: day, else export_date
///   warehouse: .local/lake                               # default; relative to the working folder
/// </code>
/// The run date's partition is replaced in one snapshot: history is kept and a re-run of a day is idempotent.
/// Files and tables are checked before any query runs. Outputs: <c>table</c>, <c>rows</c>, <c>snapshot_id</c>, <c>run_date</c>.
/// </summary>
internal sealed class SqlTaskExecutor : ITaskExecutor
{
    private static readonly string[] Keys = ["sql_file", "sql", "inputs", "day", "day_column", "output", "run_date", "warehouse", "threads"];

    public void Validate(TaskDefinition task, TaskIssues issues)
    {
        TaskSettings.CheckKeys(task, issues, Keys);
        foreach (var (field, value) in new[] { ("command", (object?)task.Command), ("pipeline", task.Pipeline), ("job", task.Job) })
            if (value is not null) issues.Error(field, $"'{field}' does not apply to a sql task");
        var queries = new[] { TaskSettings.Raw(task, "sql_file"), TaskSettings.Raw(task, "sql"), task.Sql }.Count(s => s is not null);
        if (queries != 1) issues.Error("with", "a sql task needs exactly one of with.sql_file (a file, relative to the pipeline) or sql (the query)");
        var output = TaskSettings.Raw(task, "output") ?? task.Table;
        if (output is null) issues.Error("with", "a sql task needs with.output: the table written (namespace.name)");
        else CheckTable(output, "with.output", issues, existing: false);
        if (TaskSettings.Has(task, "inputs"))
        {
            if (TaskSettings.RawMap(task, "inputs") is not { } inputs) issues.Error("with.inputs", "write inputs as a map: {view_name: namespace.table}");
            else foreach (var (view, table) in inputs) CheckTable(table, $"with.inputs.{view}", issues, existing: true);
        }
        if (TaskSettings.Has(task, "day") != TaskSettings.Has(task, "day_column"))
            issues.Error("with", "with.day and with.day_column go together: the day to read and the input column it is on");
        if (TaskSettings.Raw(task, "threads") is { } t && !TaskSettings.IsTemplated(t) && (!int.TryParse(t, CultureInfo.InvariantCulture, out var n) || n < 1))
            issues.Error("with.threads", $"'{t}' is not a positive number");
    }

    private static void CheckTable(string name, string path, TaskIssues issues, bool existing)
    {
        if (TaskSettings.IsTemplated(name)) return;
        try { LakeWarehouse.ParseTable(name, existing: existing); }
        catch (DativoException e) { issues.Error(path, e.Message); }
    }

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(inv.LogPath)!);
        await using var log = new StreamWriter(inv.LogPath, append: false) { AutoFlush = true };
        try
        {
            var errors = new List<string>();
            var day = TaskSettings.Date(TaskSettings.Get(inv, "day"), "day", errors);
            var runDate = TaskSettings.Date(TaskSettings.Get(inv, "run_date"), "run_date", errors) ?? day
                ?? TaskSettings.Date(inv.Run.ExportDate, "export_date", errors);
            var threads = TaskSettings.Get(inv, "threads") is { } ts ? int.Parse(ts, CultureInfo.InvariantCulture) : (int?)null;
            if (errors.Count > 0) return TaskOutcome.Failed(string.Join("; ", errors));
            var (sql, source) = await LoadQueryAsync(inv, ct).ConfigureAwait(false);
            var output = LakeWarehouse.ParseTable(TaskSettings.Get(inv, "output") ?? inv.Render(inv.Task.Table!), "with.output");
            var dayColumn = TaskSettings.Get(inv, "day_column");
            var inputs = (TaskSettings.RawMap(inv.Task, "inputs") ?? new Dictionary<string, string>())
                .Select(kv => new LakeInput(kv.Key, LakeWarehouse.ParseTable(inv.Render(kv.Value), $"with.inputs.{kv.Key}", existing: true), dayColumn, day)).ToList();
            var lake = LakeWarehouse.Open(TaskSettings.GetPath(inv, "warehouse") ?? LakeWarehouse.DefaultPath, inv.Time);

            var inputTables = await LakeSql.OpenInputsAsync(lake, inputs, ct).ConfigureAwait(false); // every table checked before anything runs
            await log.WriteLineAsync($"warehouse {lake.Root}; query {source}; output {output} run_date {runDate:yyyy-MM-dd}").ConfigureAwait(false);
            await using var engine = await DuckDbEngine.OpenAsync(threads: threads, ct: ct).ConfigureAwait(false);
            await LakeSql.RegisterInputsAsync(engine, lake, inputs, ct).ConfigureAwait(false);
            foreach (var i in inputs)
                await log.WriteLineAsync($"input {i.View} = {i.Table}{(i.Day is { } d ? $" where {i.DayColumn} = {d:yyyy-MM-dd}" : "")}").ConfigureAwait(false);
            var props = new Dictionary<string, string>(LineageTags.Inherit(inputTables.Select(t => t.Metadata.Properties)))
            {
                ["dativo.produced-by"] = $"sql task {inv.Run.Pipeline}.{inv.Task.Name}",
                ["dativo.query"] = source,
                ["dativo.inputs"] = string.Join(",", inputs.Select(i => $"{i.View}={i.Table}")),
            };
            var started = inv.Time.GetTimestamp();
            var result = await LakeSql.WriteAsync(engine, DuckDbEngine.StripTerminator(sql), lake, output, runDate, props, ct).ConfigureAwait(false);
            await log.WriteLineAsync($"wrote {result.Rows} row(s) to {output}{(result.Created ? " (created)" : "")}, snapshot {result.SnapshotId}, replaced {result.RemovedDataFiles} file(s), {inv.Time.GetElapsedTime(started).TotalSeconds:F2} s").ConfigureAwait(false);
            return TaskOutcome.Ok(new Dictionary<string, string>
            {
                ["table"] = output.ToString(),
                ["rows"] = result.Rows.ToString(CultureInfo.InvariantCulture),
                ["snapshot_id"] = result.SnapshotId?.ToString(CultureInfo.InvariantCulture) ?? "",
                ["run_date"] = runDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
            });
        }
        catch (DativoException e)
        {
            await log.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return TaskOutcome.Failed(e.Message);
        }
    }

    private static async Task<(string Sql, string Source)> LoadQueryAsync(TaskInvocation inv, CancellationToken ct)
    {
        if (TaskSettings.Raw(inv.Task, "sql_file") is { } file)
        {
            var path = inv.ResolvePath(file.Trim(), "with.sql_file");
            if (!File.Exists(path)) throw new DativoException($"with.sql_file: {path} not found (paths are relative to the pipeline file {inv.Pipeline.Directory})");
            return (await File.ReadAllTextAsync(path, ct).ConfigureAwait(false), Path.GetFileName(path));
        }
        var sql = TaskSettings.Raw(inv.Task, "sql") is { } withSql ? inv.RenderSql(withSql.Trim(), "with.sql") : inv.RenderSql(inv.Task.Sql!.Trim(), "sql");
        return (sql, "inline sql");
    }
}
