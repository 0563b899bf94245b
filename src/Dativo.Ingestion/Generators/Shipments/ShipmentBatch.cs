namespace Dativo.Ingestion.Generators.Shipments;

/// <summary>
/// A columnar batch of shipments (all of one shipment day): one array per column, <see cref="Count"/> rows.
/// Column order and names are <see cref="ColumnNames"/>; this is what the Parquet/CSV (and later Iceberg)
/// writers consume.
/// </summary>
public sealed class ShipmentBatch
{
    public static IReadOnlyList<string> ColumnNames { get; } =
    [
        "shipment_id", "origin_warehouse", "destination_city", "carrier", "shipment_weight_kg", "shipment_volume_m3",
        "shipment_date", "delivery_date", "shipping_cost", "delivery_status", "delay_days", "route_distance_km",
    ];

    public ShipmentBatch(DateOnly day, int count)
    {
        Day = day;
        Count = count;
        ShipmentId = new string[count];
        OriginWarehouse = new string[count];
        DestinationCity = new string[count];
        Carrier = new string[count];
        ShipmentWeightKg = new double[count];
        ShipmentVolumeM3 = new double[count];
        ShipmentDate = new DateOnly[count];
        DeliveryDate = new DateOnly[count];
        ShippingCost = new double[count];
        DeliveryStatus = new string[count];
        DelayDays = new long[count];
        RouteDistanceKm = new long[count];
    }

    public DateOnly Day { get; }
    public int Count { get; }
    public string[] ShipmentId { get; }
    public string[] OriginWarehouse { get; }
    public string[] DestinationCity { get; }
    public string[] Carrier { get; }
    public double[] ShipmentWeightKg { get; }
    public double[] ShipmentVolumeM3 { get; }
    public DateOnly[] ShipmentDate { get; }
    public DateOnly[] DeliveryDate { get; }
    public double[] ShippingCost { get; }
    public string[] DeliveryStatus { get; }
    public long[] DelayDays { get; }
    public long[] RouteDistanceKm { get; }
}
