using Parquet;
using Parquet.Schema;

namespace Dativo.Ingestion.Generators.Shipments;

/// <summary>Writes <see cref="ShipmentBatch"/>es to a Parquet stream (one row group per batch, snappy).</summary>
internal static class ShipmentParquet
{
    private static readonly DataField<string> ShipmentId = new("shipment_id", false);
    private static readonly DataField<string> OriginWarehouse = new("origin_warehouse", false);
    private static readonly DataField<string> DestinationCity = new("destination_city", false);
    private static readonly DataField<string> Carrier = new("carrier", false);
    private static readonly DataField<double> WeightKg = new("shipment_weight_kg", false);
    private static readonly DataField<double> VolumeM3 = new("shipment_volume_m3", false);
    private static readonly DataField<DateOnly> ShipmentDate = new("shipment_date", false);
    private static readonly DataField<DateOnly> DeliveryDate = new("delivery_date", false);
    private static readonly DataField<double> ShippingCost = new("shipping_cost", false);
    private static readonly DataField<string> DeliveryStatus = new("delivery_status", false);
    private static readonly DataField<long> DelayDays = new("delay_days", false);
    private static readonly DataField<long> RouteDistanceKm = new("route_distance_km", false);

    public static ParquetSchema Schema { get; } = new(
        ShipmentId, OriginWarehouse, DestinationCity, Carrier, WeightKg, VolumeM3,
        ShipmentDate, DeliveryDate, ShippingCost, DeliveryStatus, DelayDays, RouteDistanceKm);

    public static async Task WriteAsync(Stream output, IAsyncEnumerable<ShipmentBatch> batches, CancellationToken ct)
    {
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
        await using var writer = await ParquetWriter.CreateAsync(Schema, output, options, append: false, ct).ConfigureAwait(false);
        await foreach (var b in batches.WithCancellation(ct).ConfigureAwait(false))
        {
            using var rg = writer.CreateRowGroup();
            await rg.WriteAsync(ShipmentId, b.ShipmentId).ConfigureAwait(false);
            await rg.WriteAsync(OriginWarehouse, b.OriginWarehouse).ConfigureAwait(false);
            await rg.WriteAsync(DestinationCity, b.DestinationCity).ConfigureAwait(false);
            await rg.WriteAsync(Carrier, b.Carrier).ConfigureAwait(false);
            await rg.WriteAsync<double>(WeightKg, b.ShipmentWeightKg, null, null, ct).ConfigureAwait(false);
            await rg.WriteAsync<double>(VolumeM3, b.ShipmentVolumeM3, null, null, ct).ConfigureAwait(false);
            await rg.WriteAsync<DateOnly>(ShipmentDate, b.ShipmentDate, null, null, ct).ConfigureAwait(false);
            await rg.WriteAsync<DateOnly>(DeliveryDate, b.DeliveryDate, null, null, ct).ConfigureAwait(false);
            await rg.WriteAsync<double>(ShippingCost, b.ShippingCost, null, null, ct).ConfigureAwait(false);
            await rg.WriteAsync(DeliveryStatus, b.DeliveryStatus).ConfigureAwait(false);
            await rg.WriteAsync<long>(DelayDays, b.DelayDays, null, null, ct).ConfigureAwait(false);
            await rg.WriteAsync<long>(RouteDistanceKm, b.RouteDistanceKm, null, null, ct).ConfigureAwait(false);
            rg.CompleteValidate();
        }
    }
}
