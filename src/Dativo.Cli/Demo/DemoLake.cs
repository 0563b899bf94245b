using System.Globalization;
using Dativo.Ingestion.Generators.Shipments;
using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Scan;

namespace Dativo.Cli.Demo;

/// <summary>A table of the demo lake as listed: counts from the current snapshot's summary, and its tags (properties).</summary>
internal sealed record DemoTable(string Name, long Rows, long Files, int Snapshots, long? CurrentSnapshot, string PartitionedBy, IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// Read side of the demo: one DuckDB engine with a view per analytics output over all run dates (<c>name</c>) and
/// over the last day only (<c>name_last</c>, the run date pushed into the Iceberg scan).
/// </summary>
internal sealed class DemoLake : IAsyncDisposable
{
    private DemoLake(LakeWarehouse lake, DuckDbEngine engine, DateOnly lastDay)
    {
        Warehouse = lake;
        Engine = engine;
        LastDay = lastDay;
    }

    public LakeWarehouse Warehouse { get; }

    public DuckDbEngine Engine { get; }

    public DateOnly LastDay { get; }

    public static async Task<DemoLake> OpenAsync(string warehouse, DateOnly lastDay, TimeProvider time, CancellationToken ct)
    {
        var lake = LakeWarehouse.Open(warehouse, time);
        var engine = await DuckDbEngine.OpenAsync(ct: ct).ConfigureAwait(false);
        try
        {
            foreach (var output in ShipmentAnalytics.Outputs)
            {
                var table = await lake.OpenTableAsync(new TableIdentifier("analytics", output), ct).ConfigureAwait(false);
                await LakeSql.RegisterTableAsync(engine, output, table, null, ct).ConfigureAwait(false);
                await LakeSql.RegisterTableAsync(engine, output + "_last", table, Expr.Eq(LakeSql.RunDateColumn, lastDay), ct).ConfigureAwait(false);
            }
            return new DemoLake(lake, engine, lastDay);
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task<QueryResult> QueryAsync(string sql, CancellationToken ct) => Engine.QueryAsync(sql, ct: ct);

    /// <summary>An output's rows for the last day, without the run_date column.</summary>
    public Task<QueryResult> LastDayAsync(string output, int limit, CancellationToken ct) =>
        Engine.QueryAsync($"SELECT * EXCLUDE ({LakeSql.RunDateColumn}) FROM {SqlText.Identifier(output + "_last")} LIMIT {limit.ToString(CultureInfo.InvariantCulture)}", ct: ct);

    private static readonly string[] ShownTags =
        ["classification.default", "governance.owner", "governance.retention_days", "finops.cost_center", "dativo.produced-by"];

    public async Task<IReadOnlyList<DemoTable>> TablesAsync(CancellationToken ct)
    {
        var result = new List<DemoTable>();
        foreach (var id in await Warehouse.ListTablesAsync(ct).ConfigureAwait(false))
        {
            var t = await Warehouse.OpenTableAsync(id, ct).ConfigureAwait(false);
            var d = await t.DescribeAsync(ct).ConfigureAwait(false);
            var summary = d.CurrentSnapshot?.Summary ?? new Dictionary<string, string>();
            long Count(string key) => summary.TryGetValue(key, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;
            var spec = string.Join(", ", d.Spec.Fields.Select(f => $"{f.Transform}({d.Schema.FindField(f.SourceId)?.Name})"));
            var tags = d.Properties.Where(p => ShownTags.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
            result.Add(new DemoTable(id.ToString(), Count("total-records"), Count("total-data-files"), d.History.Count, d.CurrentSnapshot?.SnapshotId, spec, tags));
        }
        return result;
    }

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}
