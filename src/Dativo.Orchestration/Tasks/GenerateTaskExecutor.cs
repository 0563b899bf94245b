using Dativo.Core.Text;
using System.Globalization;
using Dativo.Core.Errors;
using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Engine;
using Dativo.Orchestration.Pipelines;

namespace Dativo.Orchestration.Tasks;

/// <summary>
/// <c>type: generate</c>: synthetic data into an Iceberg table, one day partition replaced per day (idempotent).
/// <code>
/// with:
///   dataset: shipments                 # the only data set so far
///   day: "{{ export_date }}"           # default: the run's export date
///   days: 1                            # consecutive days from day
///   rows: 50000                        # rows per day
///   seed: 4                            # same seed and day → same rows
///   table: logistics.shipments         # default
///   warehouse: .local/lake             # default; relative to the working folder
/// </code>
/// Outputs: <c>table</c>, <c>rows</c>, <c>days</c>, <c>snapshot_id</c> (of the last day written).
/// </summary>
internal sealed class GenerateTaskExecutor : ITaskExecutor
{
    private static readonly string[] Keys = ["dataset", "day", "days", "rows", "seed", "table", "warehouse"];
    private static readonly string[] Datasets = ["shipments"];

    public void Validate(TaskDefinition task, TaskIssues issues)
    {
        TaskSettings.CheckKeys(task, issues, Keys);
        foreach (var (field, value) in new[] { ("command", (object?)task.Command), ("pipeline", task.Pipeline), ("job", task.Job), ("sql", task.Sql) })
            if (value is not null) issues.Error(field, $"'{field}' does not apply to a generate task");
        var dataset = TaskSettings.Raw(task, "dataset");
        if (dataset is null) issues.Error("with", $"a generate task needs with.dataset ({string.Join(", ", Datasets)})");
        else if (!TaskSettings.IsTemplated(dataset) && !Datasets.Contains(dataset))
            issues.Error("with.dataset", $"unknown data set '{dataset}'{NearMiss.Hint(dataset, Datasets)}; known: {string.Join(", ", Datasets)}");
        foreach (var (key, min) in new[] { ("days", 1L), ("rows", 0L), ("seed", 0L) })
            if (TaskSettings.Raw(task, key) is { } v && !TaskSettings.IsTemplated(v) && (!long.TryParse(v, CultureInfo.InvariantCulture, out var n) || n < min))
                issues.Error($"with.{key}", $"'{v}' is not a whole number ≥ {min}");
        if (TaskSettings.Raw(task, "table") is { } t && !TaskSettings.IsTemplated(t))
        {
            try { LakeWarehouse.ParseTable(t, "with.table"); }
            catch (DativoException e) { issues.Error("with.table", e.Message); }
        }
    }

    public async Task<TaskOutcome> ExecuteAsync(TaskInvocation inv, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(inv.LogPath)!);
        await using var log = new StreamWriter(inv.LogPath, append: false) { AutoFlush = true };
        try
        {
            var errors = new List<string>();
            var day = TaskSettings.Date(TaskSettings.Get(inv, "day") ?? inv.Run.ExportDate, "day", errors);
            var days = Number(inv, "days", 1, 1, errors);
            var rows = Number(inv, "rows", 50_000, 0, errors);
            var seed = Number(inv, "seed", 4, 0, errors);
            if (day is null) errors.Add("with.day: no day (set with.day or run with an export date)");
            if (errors.Count > 0) return TaskOutcome.Failed(string.Join("; ", errors));
            var table = LakeWarehouse.ParseTable(TaskSettings.Get(inv, "table") ?? ShipmentIceberg.DefaultTable, "with.table");
            var lake = LakeWarehouse.Open(TaskSettings.GetPath(inv, "warehouse") ?? LakeWarehouse.DefaultPath, inv.Time);
            var dayList = Enumerable.Range(0, (int)days).Select(i => day!.Value.AddDays(i)).ToArray();
            await log.WriteLineAsync($"generating {rows} shipments per day for {dayList[0]:yyyy-MM-dd}..{dayList[^1]:yyyy-MM-dd} (seed {seed}) into {table} in {lake.Root}").ConfigureAwait(false);
            var result = await ShipmentIceberg.WriteDaysAsync(lake, table, new ShipmentGenerator((ulong)seed), dayList, rows, ct: ct).ConfigureAwait(false);
            await log.WriteLineAsync($"wrote {result.Rows} row(s){(result.Created ? ", table created" : "")} in {result.Elapsed.TotalSeconds:F2} s; snapshots {string.Join(", ", result.Days.Select(d => $"{d.Day:yyyy-MM-dd}={d.SnapshotId}"))}").ConfigureAwait(false);
            return TaskOutcome.Ok(new Dictionary<string, string>
            {
                ["table"] = table.ToString(),
                ["rows"] = result.Rows.ToString(CultureInfo.InvariantCulture),
                ["days"] = days.ToString(CultureInfo.InvariantCulture),
                ["snapshot_id"] = result.Days[^1].SnapshotId?.ToString(CultureInfo.InvariantCulture) ?? "",
            });
        }
        catch (DativoException e)
        {
            await log.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return TaskOutcome.Failed(e.Message);
        }
    }

    private static long Number(TaskInvocation inv, string key, long fallback, long min, List<string> errors)
    {
        var v = TaskSettings.Get(inv, key);
        if (v is null) return fallback;
        if (long.TryParse(v, CultureInfo.InvariantCulture, out var n) && n >= min) return n;
        errors.Add($"with.{key}: '{v}' is not a whole number ≥ {min}");
        return fallback;
    }
}
