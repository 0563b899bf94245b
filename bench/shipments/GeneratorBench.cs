using System.Globalization;
using Dativo.Ingestion.Generators.Shipments;
using DuckDB.NET.Data;

namespace Dativo.Bench.Shipments;

/// <summary>(a) ShipmentGenerator → Parquet vs DuckDB producing the same 12 columns with range() + random() into Parquet.</summary>
internal static class GeneratorBench
{
    public static async Task RunAsync(BenchOptions o)
    {
        var perDay = o.Rows / o.Days;
        var rows = perDay * o.Days;
        var ours = await Timing.BestAsync(o.Repeat, async () =>
        {
            var dir = Path.Combine(o.Dir, "gen");
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            await ShipmentDataset.GenerateAsync(new ShipmentGenerateOptions(new DateOnly(2025, 5, 1), o.Days, perDay, 42, dir, ShipmentFileFormat.Parquet), TimeProvider.System, CancellationToken.None);
        });
        var duck = await Timing.BestAsync(o.Repeat, async () =>
        {
            await using var c = new DuckDBConnection("DataSource=:memory:");
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
                COPY (
                  SELECT 'SH' || strftime(d, '%Y%m%d') || '-' || lpad(CAST(i % {perDay} + 1 AS VARCHAR), 8, '0') AS shipment_id,
                         ['NY_Warehouse','TX_Warehouse','CA_Warehouse','IL_Warehouse'][1 + CAST(floor(random() * 4) AS INT)] AS origin_warehouse,
                         ['Los Angeles','Chicago','Miami','Seattle','Boston','Denver','Atlanta','Houston'][1 + CAST(floor(random() * 8) AS INT)] AS destination_city,
                         ['FedEx','UPS','DHL','USPS','OnTrac','Ryder','Amazon Logistics'][1 + CAST(floor(random() * 7) AS INT)] AS carrier,
                         round(1 + random() * 49, 1) AS shipment_weight_kg,
                         round(0.1 + random() * 0.9, 2) AS shipment_volume_m3,
                         d AS shipment_date,
                         CAST(d + CAST(1 + floor(random() * 7) + delay AS INT) AS DATE) AS delivery_date,
                         round(10 + random() * 20 + random() * 25 + 30, 2) AS shipping_cost,
                         CASE WHEN delay = 0 THEN 'Delivered' ELSE 'Delayed' END AS delivery_status,
                         CAST(delay AS BIGINT) AS delay_days,
                         CAST(500 + floor(random() * 4500) AS BIGINT) AS route_distance_km
                  FROM (SELECT i, DATE '2025-05-01' + CAST(i // {perDay} AS INT) AS d,
                               CASE WHEN u < 0.70 THEN 0 WHEN u < 0.85 THEN 1 WHEN u < 0.95 THEN 2 ELSE 3 END AS delay
                        FROM (SELECT range AS i, random() AS u FROM range({rows})))
                ) TO '{Path.Combine(o.Dir, "duck-gen.parquet")}' (FORMAT parquet, COMPRESSION snappy)
                """);
            await cmd.ExecuteNonQueryAsync();
        });
        Console.WriteLine($"(a) generator   ours  {Timing.Rate(rows, ours)}");
        Console.WriteLine($"    duckdb range() {Timing.Rate(rows, duck)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    ratio ours/duckdb throughput: {duck.TotalSeconds / ours.TotalSeconds:F2} (>1 = faster than DuckDB)"));
    }
}
