using Dativo.Lake.Engine;

namespace Dativo.Ingestion.Generators.Shipments;

/// <summary>Writes <see cref="ShipmentBatch"/>es as CSV with a header (the layout of the original sample).</summary>
internal static class ShipmentCsv
{
    public static void WriteHeader(TextWriter w) => w.Write(string.Join(',', ShipmentBatch.ColumnNames) + "\n");

    public static void WriteRows(TextWriter w, ShipmentBatch b, CancellationToken ct)
    {
        for (var i = 0; i < b.Count; i++)
        {
            if ((i & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
            w.Write(b.ShipmentId[i]); w.Write(',');
            w.Write(b.OriginWarehouse[i]); w.Write(',');
            CsvText.WriteString(w, b.DestinationCity[i]); w.Write(',');
            CsvText.WriteString(w, b.Carrier[i]); w.Write(',');
            CsvText.WriteDouble(w, b.ShipmentWeightKg[i]); w.Write(',');
            CsvText.WriteDouble(w, b.ShipmentVolumeM3[i]); w.Write(',');
            CsvText.WriteDate(w, b.ShipmentDate[i]); w.Write(',');
            CsvText.WriteDate(w, b.DeliveryDate[i]); w.Write(',');
            CsvText.WriteDouble(w, b.ShippingCost[i]); w.Write(',');
            w.Write(b.DeliveryStatus[i]); w.Write(',');
            CsvText.WriteLong(w, b.DelayDays[i]); w.Write(',');
            CsvText.WriteLong(w, b.RouteDistanceKm[i]); w.Write('\n');
        }
    }
}
