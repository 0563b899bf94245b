using Dativo.Core.Contracts;
using Dativo.Core.Errors;
using Dativo.Core.Tags;
using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Ingestion.Generators.Shipments;

/// <summary>What <see cref="ShipmentIceberg.WriteDaysAsync"/> wrote: per day the rows and the snapshot that replaced its partition.</summary>
public sealed record ShipmentTableResult(TableIdentifier Table, long Rows, IReadOnlyList<(DateOnly Day, long? SnapshotId)> Days, bool Created, TimeSpan Elapsed);

/// <summary>
/// Shipments as an Iceberg table (default <c>logistics.shipments</c>) partitioned by day(shipment_date). Each day is
/// written with a dynamic partition overwrite, so generating a day again replaces exactly that day (idempotent,
/// one new snapshot) and leaves the other days alone.
/// </summary>
public static class ShipmentIceberg
{
    public const string DefaultTable = "logistics.shipments";

    /// <summary>examples/shipments/contract.yaml (embedded): the governance tags of the table come from it.</summary>
    public static readonly Lazy<DataContract> Contract = new(() =>
    {
        using var stream = typeof(ShipmentIceberg).Assembly.GetManifestResourceStream("Dativo.Shipments.contract.yaml")!;
        return ContractLoader.Parse(new StreamReader(stream).ReadToEnd(), "examples/shipments/contract.yaml", _ => null);
    });

    /// <summary>The 12 columns (field ids 1..12), all required; types as in the Parquet files.</summary>
    public static IcebergSchema Schema { get; } = new(0,
    [
        NestedField.Require(1, "shipment_id", IcebergType.String),
        NestedField.Require(2, "origin_warehouse", IcebergType.String),
        NestedField.Require(3, "destination_city", IcebergType.String),
        NestedField.Require(4, "carrier", IcebergType.String),
        NestedField.Require(5, "shipment_weight_kg", IcebergType.Double),
        NestedField.Require(6, "shipment_volume_m3", IcebergType.Double),
        NestedField.Require(7, "shipment_date", IcebergType.Date),
        NestedField.Require(8, "delivery_date", IcebergType.Date),
        NestedField.Require(9, "shipping_cost", IcebergType.Double),
        NestedField.Require(10, "delivery_status", IcebergType.String),
        NestedField.Require(11, "delay_days", IcebergType.Long),
        NestedField.Require(12, "route_distance_km", IcebergType.Long),
    ]);

    /// <summary>A generated batch as a record batch of <paramref name="schema"/> (the table's; the arrays are shared, not copied).</summary>
    public static RecordBatch ToRecordBatch(IcebergSchema schema, ShipmentBatch b) => new(schema,
    [
        b.ShipmentId, b.OriginWarehouse, b.DestinationCity, b.Carrier, b.ShipmentWeightKg, b.ShipmentVolumeM3,
        b.ShipmentDate, b.DeliveryDate, b.ShippingCost, b.DeliveryStatus, b.DelayDays, b.RouteDistanceKm,
    ]);

    /// <summary>Opens the table, creating it (partitioned by day(shipment_date)) on first use.</summary>
    public static async Task<(IcebergTable Table, bool Created)> OpenOrCreateAsync(LakeWarehouse lake, TableIdentifier id, CancellationToken ct)
    {
        if (await lake.ExistsAsync(id, ct).ConfigureAwait(false))
        {
            var existing = await lake.OpenTableAsync(id, ct).ConfigureAwait(false);
            var names = existing.Schema.Columns.Select(c => c.Name);
            if (!names.SequenceEqual(Schema.Columns.Select(c => c.Name)))
                throw new DativoException($"table {id} exists with other columns ({string.Join(", ", names)}); choose another table with --out");
            return (existing, false);
        }
        var spec = new PartitionSpecBuilder(Schema).Day("shipment_date").Build();
        var props = new Dictionary<string, string>(TableProperties.ForContract(Contract.Value, "generate"))
        {
            ["dativo.produced-by"] = "dativo generate shipments",
            ["dativo.dataset"] = "shipments (seed 004)",
        };
        try
        {
            var table = await IcebergTables.CreateAsync(lake.Catalog, lake.Store, id, Schema,
                new CreateTableOptions { PartitionSpec = spec, Properties = props, Time = lake.Time }, ct).ConfigureAwait(false);
            return (table, true);
        }
        catch (DativoException)
        {
            if (!await lake.ExistsAsync(id, ct).ConfigureAwait(false)) throw;
            return (await lake.OpenTableAsync(id, ct).ConfigureAwait(false), false); // created meanwhile
        }
    }

    /// <summary>
    /// Generates <paramref name="days"/> and replaces each day's partition (days in parallel, each with its own table
    /// handle and commit; commits that race are retried by the table's commit protocol).
    /// </summary>
    public static async Task<ShipmentTableResult> WriteDaysAsync(LakeWarehouse lake, TableIdentifier id, ShipmentGenerator generator,
        IReadOnlyList<DateOnly> days, long rowsPerDay, int? maxParallelism = null, IProgress<DateOnly>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(lake);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegative(rowsPerDay);
        var started = lake.Time.GetTimestamp();
        var (_, created) = await OpenOrCreateAsync(lake, id, ct).ConfigureAwait(false);
        var snapshots = new (DateOnly, long?)[days.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism ?? Math.Min(2, Environment.ProcessorCount), CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, days.Count), parallel, async (i, token) =>
        {
            var table = await lake.OpenTableAsync(id, token).ConfigureAwait(false);
            var day = days[i];
            CommitResult commit = rowsPerDay == 0
                ? await table.DeleteWhereAsync(Expr.Eq("shipment_date", day), token).ConfigureAwait(false)
                : await table.ReplacePartitionsAsync(generator.GenerateDay(day, rowsPerDay).Select(b => ToRecordBatch(table.Schema, b)), token).ConfigureAwait(false);
            snapshots[i] = (day, commit.SnapshotId);
            progress?.Report(day);
        }).ConfigureAwait(false);
        return new ShipmentTableResult(id, rowsPerDay * days.Count, snapshots, created, lake.Time.GetElapsedTime(started));
    }
}
