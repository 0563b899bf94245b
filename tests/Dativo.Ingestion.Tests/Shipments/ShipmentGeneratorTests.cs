using System.Security.Cryptography;
using Dativo.Ingestion.Generators.Shipments;
using Dativo.Testing;

namespace Dativo.Ingestion.Tests.Shipments;

public class ShipmentGeneratorTests
{
    private static readonly DateOnly Start = new(2025, 5, 1);

    private static async Task<string> HashOfAsync(string folderOrFile)
    {
        var files = File.Exists(folderOrFile) ? [folderOrFile] : Directory.GetFiles(folderOrFile, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        using var sha = SHA256.Create();
        foreach (var f in files)
        {
            var name = System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(folderOrFile, f));
            sha.TransformBlock(name, 0, name.Length, null, 0);
            var bytes = await File.ReadAllBytesAsync(f);
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!);
    }

    private static Task<ShipmentGenerateResult> Gen(string outPath, ulong seed, ShipmentFileFormat fmt, int days = 2, long rows = 2000, DateOnly? start = null) =>
        ShipmentDataset.GenerateAsync(new ShipmentGenerateOptions(start ?? Start, days, rows, seed, outPath, fmt), TimeProvider.System, CancellationToken.None);

    [Theory]
    [InlineData(ShipmentFileFormat.Parquet)]
    [InlineData(ShipmentFileFormat.Csv)]
    public async Task Same_seed_gives_identical_bytes_and_another_seed_differs(ShipmentFileFormat fmt)
    {
        using var tmp = new TempDir();
        await Gen(Path.Combine(tmp.Path, "a"), 42, fmt);
        await Gen(Path.Combine(tmp.Path, "b"), 42, fmt);
        await Gen(Path.Combine(tmp.Path, "c"), 43, fmt);
        var a = await HashOfAsync(Path.Combine(tmp.Path, "a"));
        Assert.Equal(a, await HashOfAsync(Path.Combine(tmp.Path, "b")));
        Assert.NotEqual(a, await HashOfAsync(Path.Combine(tmp.Path, "c")));
    }

    [Fact]
    public async Task A_day_does_not_depend_on_the_other_days_generated()
    {
        using var tmp = new TempDir();
        await Gen(Path.Combine(tmp.Path, "week"), 5, ShipmentFileFormat.Csv, days: 7, rows: 300);
        await Gen(Path.Combine(tmp.Path, "one"), 5, ShipmentFileFormat.Csv, days: 1, rows: 300, start: Start.AddDays(3));
        const string day = "shipment_date=2025-05-04/part-0.csv";
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(tmp.Path, "week", day)), await File.ReadAllTextAsync(Path.Combine(tmp.Path, "one", day)));
    }

    [Fact]
    public void Chunks_are_the_same_however_the_day_is_split_into_calls()
    {
        var g = new ShipmentGenerator(9);
        var rows = ShipmentGenerator.ChunkRows + 10L;
        var whole = g.GenerateDay(Start, rows).ToList();
        Assert.Equal(2, whole.Count);
        var second = g.GenerateChunk(Start, rows, 1);
        Assert.Equal(whole[1].ShipmentId, second.ShipmentId);
        Assert.Equal(whole[1].ShippingCost, second.ShippingCost);
        Assert.Equal($"SH20250501-{ShipmentGenerator.ChunkRows + 1:D8}", second.ShipmentId[0]);
    }

    [Fact]
    public void Ids_are_unique_over_a_million_rows()
    {
        var g = new ShipmentGenerator(1);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var day in new[] { Start, Start.AddDays(1) })
            foreach (var b in g.GenerateDay(day, 500_000))
                foreach (var id in b.ShipmentId)
                    Assert.True(seen.Add(id), $"duplicate id {id}");
        Assert.Equal(1_000_000, seen.Count);
    }

    [Fact]
    public void Rows_follow_the_rules()
    {
        var g = new ShipmentGenerator(3);
        var distances = new Dictionary<(string, string), long>();
        var delays = new int[4];
        var carriers = new HashSet<string>();
        var n = 0;
        foreach (var day in new[] { Start, Start.AddDays(1), Start.AddDays(2) })
        {
            foreach (var b in g.GenerateDay(day, 20_000))
            {
                for (var i = 0; i < b.Count; i++, n++)
                {
                    Assert.Equal(day, b.ShipmentDate[i]);
                    var total = b.DeliveryDate[i].DayNumber - b.ShipmentDate[i].DayNumber;
                    var delay = b.DelayDays[i];
                    Assert.InRange(delay, 0, 3);
                    Assert.InRange(total - delay, 1, 7); // transit 1..7
                    Assert.Equal(delay == 0 ? "Delivered" : "Delayed", b.DeliveryStatus[i]);
                    var route = (b.OriginWarehouse[i], b.DestinationCity[i]);
                    if (distances.TryGetValue(route, out var d)) Assert.Equal(d, b.RouteDistanceKm[i]);
                    else distances[route] = b.RouteDistanceKm[i];
                    Assert.Equal(ShipmentReference.RouteDistanceKm(route.Item1, route.Item2), b.RouteDistanceKm[i]);
                    Assert.InRange(b.ShipmentWeightKg[i], 1.0, 50.0);
                    Assert.Equal(Math.Round(b.ShipmentWeightKg[i], 1), b.ShipmentWeightKg[i]);
                    Assert.InRange(b.ShipmentVolumeM3[i], 0.1, 1.0);
                    Assert.Equal(Math.Round(b.ShipmentVolumeM3[i], 2), b.ShipmentVolumeM3[i]);
                    var minCost = 10 + b.ShipmentWeightKg[i] * 0.5 + b.RouteDistanceKm[i] * 0.01;
                    Assert.InRange(b.ShippingCost[i], Math.Round(minCost, 2) - 0.01, minCost + 20.01);
                    Assert.Equal(Math.Round(b.ShippingCost[i], 2), b.ShippingCost[i]);
                    delays[delay]++;
                    carriers.Add(b.Carrier[i]);
                }
            }
        }
        Assert.Equal(32, distances.Count);
        Assert.Equal(ShipmentReference.Carriers.Order(), carriers.Order());
        Assert.InRange(delays[0] / (double)n, 0.68, 0.72);
        Assert.InRange(delays[3] / (double)n, 0.04, 0.06);
        // the original's fixed routes keep their distances
        Assert.Equal(3940, ShipmentReference.RouteDistanceKm("NY_Warehouse", "Los Angeles"));
        Assert.Equal(1370, ShipmentReference.RouteDistanceKm("IL_Warehouse", "Houston"));
    }

    [Fact]
    public async Task Days_below_one_is_a_user_error()
    {
        using var tmp = new TempDir();
        var ex = await Assert.ThrowsAsync<Dativo.Core.Errors.DativoException>(() => Gen(tmp.Path, 1, ShipmentFileFormat.Csv, days: 0));
        Assert.Contains("--days", ex.Message);
    }
}
