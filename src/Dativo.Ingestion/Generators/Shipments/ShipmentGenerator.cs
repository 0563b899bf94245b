namespace Dativo.Ingestion.Generators.Shipments;

/// <summary>
/// Synthetic shipments with the columns and value rules of the original generator (seed 004), with its
/// defects fixed:
/// <list type="bullet">
/// <item>shipment ids are unique: <c>SH</c> + shipment day (yyyyMMdd) + <c>-</c> + 1-based sequence within the day (8+ digits);</item>
/// <item>one fixed distance per route (<see cref="ShipmentReference.RouteDistanceKm(int,int)"/>) instead of a random one per row;</item>
/// <item>shipment dates are exactly the requested days (the original drew them from "the last 190 days");</item>
/// <item>delivery_date = shipment_date + transit (1..7) + delay, delivery_status derived from delay_days.</item>
/// </list>
/// Determinism: the rows of (day, chunk) come from their own random stream keyed by (seed, day number, chunk
/// index), so the output is byte-identical for the same arguments, and a day's rows do not depend on which
/// other days were generated or on the degree of parallelism.
/// </summary>
public sealed class ShipmentGenerator
{
    /// <summary>Rows per chunk (and per random stream). Part of the determinism contract: never change it.</summary>
    public const int ChunkRows = 1 << 20;

    private static readonly string[] Warehouses = [.. ShipmentReference.Warehouses];
    private static readonly string[] Cities = [.. ShipmentReference.Cities];
    private static readonly string[] Carriers = [.. ShipmentReference.Carriers];

    public ShipmentGenerator(ulong seed) => Seed = seed;

    public ulong Seed { get; }

    /// <summary>How many chunks a day of <paramref name="rowsPerDay"/> rows has.</summary>
    public static int ChunkCount(long rowsPerDay)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowsPerDay);
        return (int)((rowsPerDay + ChunkRows - 1) / ChunkRows);
    }

    /// <summary>All rows of one day, chunk by chunk.</summary>
    public IEnumerable<ShipmentBatch> GenerateDay(DateOnly day, long rowsPerDay)
    {
        var chunks = ChunkCount(rowsPerDay);
        for (var c = 0; c < chunks; c++) yield return GenerateChunk(day, rowsPerDay, c);
    }

    /// <summary>Chunk <paramref name="chunkIndex"/> of a day of <paramref name="rowsPerDay"/> rows.</summary>
    public ShipmentBatch GenerateChunk(DateOnly day, long rowsPerDay, int chunkIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunkIndex);
        var first = (long)chunkIndex * ChunkRows;
        if (first >= rowsPerDay) throw new ArgumentOutOfRangeException(nameof(chunkIndex), "chunk beyond the day's rows");
        var count = (int)Math.Min(ChunkRows, rowsPerDay - first);
        var batch = new ShipmentBatch(day, count);
        var rng = DeterministicRandom.ForStream(Seed, day.DayNumber, chunkIndex);
        Span<char> datePrefix = stackalloc char[8];
        day.TryFormat(datePrefix, out _, "yyyyMMdd");
        var prefix = new string(datePrefix);

        for (var i = 0; i < count; i++)
        {
            var w = rng.NextInt(Warehouses.Length);
            var c = rng.NextInt(Cities.Length);
            var carrier = rng.NextInt(Carriers.Length);
            var weight = Math.Round(rng.NextDouble(1.0, 50.0) * 10) / 10;
            var volume = Math.Round(rng.NextDouble(0.1, 1.0) * 100) / 100;
            var transit = 1 + rng.NextInt(7);
            var delay = DelayDays(rng.NextDouble());
            var distance = ShipmentReference.RouteDistanceKm(w, c);
            var cost = Math.Round((rng.NextDouble(10.0, 30.0) + weight * 0.5 + distance * 0.01) * 100) / 100;

            batch.ShipmentId[i] = ShipmentId(prefix, first + i + 1);
            batch.OriginWarehouse[i] = Warehouses[w];
            batch.DestinationCity[i] = Cities[c];
            batch.Carrier[i] = Carriers[carrier];
            batch.ShipmentWeightKg[i] = weight;
            batch.ShipmentVolumeM3[i] = volume;
            batch.ShipmentDate[i] = day;
            batch.DeliveryDate[i] = day.AddDays(transit + delay);
            batch.ShippingCost[i] = cost;
            batch.DeliveryStatus[i] = delay == 0 ? ShipmentReference.Delivered : ShipmentReference.Delayed;
            batch.DelayDays[i] = delay;
            batch.RouteDistanceKm[i] = distance;
        }
        return batch;
    }

    /// <summary>0/1/2/3 days with probabilities .70/.15/.10/.05 (the original's weights).</summary>
    internal static int DelayDays(double u) => u < 0.70 ? 0 : u < 0.85 ? 1 : u < 0.95 ? 2 : 3;

    /// <summary><c>SH20250510-00000001</c>: unique per (day, sequence); fixed width up to 99,999,999 rows a day.</summary>
    internal static string ShipmentId(string datePrefix, long sequence)
    {
        var digits = Math.Max(8, CountDigits(sequence));
        return string.Create(3 + datePrefix.Length + digits, (datePrefix, sequence), static (span, s) =>
        {
            span[0] = 'S';
            span[1] = 'H';
            s.datePrefix.AsSpan().CopyTo(span[2..]);
            span[2 + s.datePrefix.Length] = '-';
            var n = s.sequence;
            for (var p = span.Length - 1; p > 2 + s.datePrefix.Length; p--)
            {
                span[p] = (char)('0' + (int)(n % 10));
                n /= 10;
            }
        });
    }

    private static int CountDigits(long n)
    {
        var d = 1;
        while (n >= 10) { n /= 10; d++; }
        return d;
    }
}
