namespace Dativo.Ingestion.Generators.Shipments;

/// <summary>
/// The fixed vocabularies of the shipment data set and the route distance table.
/// Fix of the original generator: it had distances for 8 of the 32 (origin, destination) pairs and drew a
/// random distance per row for the others, which made <c>avg_distance_km</c> meaningless. Here every route has
/// one fixed distance: the original 8 values are kept, the other 24 are approximate road distances from
/// the warehouse regions (NY, Dallas TX, Bay Area CA, Chicago IL).
/// </summary>
public static class ShipmentReference
{
    public static IReadOnlyList<string> Warehouses { get; } = ["NY_Warehouse", "TX_Warehouse", "CA_Warehouse", "IL_Warehouse"];

    public static IReadOnlyList<string> Cities { get; } = ["Los Angeles", "Chicago", "Miami", "Seattle", "Boston", "Denver", "Atlanta", "Houston"];

    /// <summary>The carriers of the newer generator (the older one had only the first four).</summary>
    public static IReadOnlyList<string> Carriers { get; } = ["FedEx", "UPS", "DHL", "USPS", "OnTrac", "Ryder", "Amazon Logistics"];

    public const string Delivered = "Delivered";
    public const string Delayed = "Delayed";

    // Rows: Warehouses order; columns: Cities order (LA, Chicago, Miami, Seattle, Boston, Denver, Atlanta, Houston).
    private static readonly int[,] DistanceKm =
    {
        { 3940, 1270, 2050, 4620,  310, 2860, 1390, 2620 }, // NY
        { 2310, 1770, 2130, 3400, 2840, 1030, 1260,  385 }, // TX
        {  615, 3430, 4800, 1300, 4990, 2010, 3500, 3110 }, // CA
        { 3240,   45, 2220, 3300, 1580, 1610, 1150, 1370 }, // IL
    };

    /// <summary>The fixed distance of route (warehouse index, city index).</summary>
    public static int RouteDistanceKm(int warehouse, int city) => DistanceKm[warehouse, city];

    /// <summary>The fixed distance of a route by names.</summary>
    public static int RouteDistanceKm(string warehouse, string city)
    {
        var w = IndexOf(Warehouses, warehouse);
        var c = IndexOf(Cities, city);
        if (w < 0 || c < 0) throw new ArgumentException($"unknown route {warehouse}->{city}");
        return DistanceKm[w, c];
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] == value) return i;
        return -1;
    }
}
