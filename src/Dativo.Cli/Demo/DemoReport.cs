using System.Globalization;
using Dativo.Lake.Engine;

namespace Dativo.Cli.Demo;

/// <summary>Builds demo/report.html from the lake: KPIs, carrier performance, delay trends by city, daily volume, and tables.</summary>
internal static class DemoReport
{
    public static async Task<string> RenderAsync(DemoLake lake, DemoOptions o, IReadOnlyList<DemoTable> tables, string runSummary, CancellationToken ct)
    {
        var last = lake.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var volume = await lake.QueryAsync("SELECT run_date, CAST(SUM(total_shipments) AS BIGINT) AS shipments FROM carrier_performance GROUP BY run_date ORDER BY run_date", ct).ConfigureAwait(false);
        var carriers = await lake.QueryAsync(
            "SELECT carrier, total_shipments, on_time_percentage, avg_delay_days, avg_shipping_cost FROM carrier_performance_last ORDER BY on_time_percentage DESC, carrier", ct).ConfigureAwait(false);
        var trends = await lake.QueryAsync("SELECT destination_city, run_date, delay_percentage FROM delay_trends ORDER BY destination_city, run_date", ct).ConfigureAwait(false);
        var cities = await lake.QueryAsync("SELECT destination_city, delay_percentage, delayed_shipments, total_shipments FROM delay_trends_last ORDER BY delay_percentage DESC, destination_city", ct).ConfigureAwait(false);
        var costKm = await lake.QueryAsync("SELECT carrier, AVG(cost_per_km) * 100 AS cost_per_100_km FROM cost_analysis_last GROUP BY carrier ORDER BY cost_per_100_km, carrier", ct).ConfigureAwait(false);
        var warehouses = await lake.QueryAsync("SELECT origin_warehouse, CAST(SUM(shipment_count) AS BIGINT) AS shipments FROM warehouse_demand_last GROUP BY origin_warehouse ORDER BY shipments DESC, origin_warehouse", ct).ConfigureAwait(false);
        var routes = await lake.QueryAsync(
            "SELECT origin_warehouse || ' → ' || destination_city AS route, total_shipments, avg_distance_km, avg_delivery_time_days, avg_shipping_cost " +
            "FROM route_efficiency_last ORDER BY avg_delivery_time_days, route LIMIT 10", ct).ConfigureAwait(false);

        var days = volume.Rows.Select(r => DayLabel(r[0])).ToList();
        var total = volume.Rows.Sum(r => D(r[1]));
        var lastTotal = carriers.Rows.Sum(r => D(r[1]));
        var onTime = lastTotal == 0 ? 0 : carriers.Rows.Sum(r => D(r[2]) * D(r[1])) / lastTotal;
        var avgCost = lastTotal == 0 ? 0 : carriers.Rows.Sum(r => D(r[4]) * D(r[1])) / lastTotal;
        var kpis = new List<Kpi>
        {
            new("shipments", N(total), $"{days.Count} days, {days.FirstOrDefault()} .. {days.LastOrDefault()}"),
            new("on time", $"{onTime:0.0}%", $"delivered without delay on {last}"),
            new("average cost", $"${avgCost:0.00}", $"per shipment on {last}"),
            new("lake snapshots", N(tables.Sum(t => t.Snapshots)), $"{tables.Count} Iceberg tables, history kept per day"),
        };
        var series = trends.Rows.GroupBy(r => (string)r[0]!, StringComparer.Ordinal)
            .Select(g => new LineSeries(g.Key, [.. days.Select(d => g.FirstOrDefault(r => DayLabel(r[1]) == d) is { } row ? D(row[2]) : double.NaN)]))
            .OrderByDescending(s => s.Values.LastOrDefault()).ToList();
        var charts = new List<object>
        {
            new BarChart("Daily volume", "shipments per day (logistics.shipments, one partition per day)", days, [.. volume.Rows.Select(r => D(r[1]))], ""),
            new BarChart("Carrier performance", $"on-time % per carrier, {last}", [.. carriers.Rows.Select(r => (string)r[0]!)], [.. carriers.Rows.Select(r => D(r[2]))], "%"),
            new LineChart("Delay trends by city", "share of shipments delayed, per destination city and day (analytics.delay_trends by run_date)", days, series, "%"),
            new BarChart("Delay by city", $"delayed share per destination, {last}", [.. cities.Rows.Select(r => (string)r[0]!)], [.. cities.Rows.Select(r => D(r[1]))], "%"),
            new BarChart("Cost per 100 km", $"average shipping cost per 100 km by carrier (cost_analysis), {last}", [.. costKm.Rows.Select(r => (string)r[0]!)], [.. costKm.Rows.Select(r => D(r[1]))], " $"),
            new BarChart("Warehouse demand", $"shipments leaving each warehouse, {last}", [.. warehouses.Rows.Select(r => (string)r[0]!)], [.. warehouses.Rows.Select(r => D(r[1]))], ""),
        };
        var reportTables = new List<ReportTable>
        {
            Table($"Carrier performance, {last}", carriers),
            Table($"Fastest routes, {last}", routes),
            Table($"Delay trends, {last}", cities),
            new("Lake tables", ["table", "rows", "files", "snapshots", "partitioned by"],
                [.. tables.Select(t => (IReadOnlyList<string>)[t.Name, N(t.Rows), N(t.Files), N(t.Snapshots), t.PartitionedBy])]),
        };
        return HtmlReport.Render("Shipment analytics", $"Dativo demo · {o.TotalRows:N0} synthetic shipments over {o.Days} days · daily pipeline run as a backfill through the orchestrator",
            kpis, charts, reportTables, runSummary);
    }

    private static ReportTable Table(string title, QueryResult r) =>
        new(title, [.. r.Columns.Select(c => c.Name)], [.. r.Rows.Select(row => (IReadOnlyList<string>)[.. row.Select(Cell)])]);

    private static string Cell(object? v) => v switch
    {
        null => "",
        double d => d.ToString("0.##", CultureInfo.InvariantCulture),
        long or int or System.Numerics.BigInteger => D(v).ToString("N0", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    private static double D(object? v) => v switch
    {
        null => double.NaN,
        System.Numerics.BigInteger b => (double)b,
        _ => Convert.ToDouble(v, CultureInfo.InvariantCulture),
    };

    private static string N(double v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string DayLabel(object? v) => v switch
    {
        DateOnly d => d.ToString("MM-dd", CultureInfo.InvariantCulture),
        DateTime dt => dt.ToString("MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };
}
