using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage.Local;
using Xunit.Abstractions;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>Tables written by Spark, Iceberg Java and Athena, opened through a location map.</summary>
public class InteropReadTests(ITestOutputHelper output)
{
    internal static async Task<IcebergTable> OpenAsync(string table)
    {
        var store = new LocalObjectStore(Interop.Root);
        var map = new Dictionary<string, string>
        {
            ["s3a://hyperparam-iceberg/"] = store.Root + "/",
            ["s3://hyperparam-iceberg/"] = store.Root + "/",
        };
        return await IcebergTables.OpenFromLocationAsync(store, table, map);
    }

    private void Dump(TableRows rows)
    {
        output.WriteLine(string.Join(" | ", rows.Columns));
        foreach (var r in rows.Rows) output.WriteLine(string.Join(" | ", r.Select(v => v?.ToString() ?? "NULL")));
    }

    [Fact]
    public async Task Spark_rename_column_reads_renamed_column_by_field_id()
    {
        var t = await OpenAsync("spark/rename_column");
        var rows = await t.NewScan().ReadAsync();
        Dump(rows);
        Assert.Equal(["id", "name", "event_date", "price", "active"], rows.Columns);
        Assert.Equal(4, rows.Rows.Count);
        var byId = rows.Rows.ToDictionary(r => Convert.ToInt32(r[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("Flopsy 🐇", byId[1][1]);
        Assert.Equal("Mopsy–Naïve", byId[2][1]);
        Assert.Null(byId[3][2]); // the null partition value of identity(date)
        Assert.Equal(new DateOnly(2022, 1, 2), byId[4][2]);
        Assert.Equal(new DateOnly(2022, 1, 1), byId[1][2]);
        Assert.Equal(99999999.99m, byId[4][3]);
        Assert.Equal(-5.00m, byId[2][3]);
        Assert.Equal(true, byId[1][4]);
        // bucket[4](id) partition values recorded by Spark equal ours
        foreach (var task in await t.NewScan().PlanFilesAsync())
            if (task.File.Partition[0] is int bucket)
            {
                var ids = rows.Rows.Select(r => Convert.ToInt32(r[0], System.Globalization.CultureInfo.InvariantCulture));
                Assert.Contains(ids, id => (int)Dativo.Lake.Iceberg.Transforms.Transform.Bucket(4).Apply(Dativo.Lake.Iceberg.Types.IcebergType.Int, id)! == bucket);
            }
        // partition pruning on the renamed column
        Assert.Single((await t.NewScan().Filter(Expr.Eq("event_date", new DateOnly(2022, 1, 2))).PlanFilesAsync()));
        Assert.Equal(2, (await t.NewScan().Filter(Expr.Eq("event_date", new DateOnly(2022, 1, 1))).ReadAsync()).Rows.Count);
    }

    [Fact]
    public async Task Spark_bunnies_applies_the_position_delete()
    {
        var t = await OpenAsync("spark/bunnies");
        var rows = await t.NewScan().ReadAsync();
        Dump(rows);
        // The position delete (Holland Lop, written at an earlier sequence number) targets the data file the
        // last overwrite replaced; the new file has a higher data sequence number, so the delete no longer applies.
        Assert.Equal(20, rows.Rows.Count);
        var plan = Assert.Single(await t.NewScan().PlanFilesAsync());
        Assert.Empty(plan.PositionDeletes);
        Assert.DoesNotContain(rows.Rows, r => (string?)r[0] == "Holland Lop");
        Assert.Contains(rows.Rows, r => (string?)r[0] == "Netherland Dwarf" && Convert.ToInt32(r[8], System.Globalization.CultureInfo.InvariantCulture) == 16);
        Assert.Equal(["Breed Name", "Average Weight", "Fur Length", "Lifespan", "Origin Country", "Ear Type", "Temperament", "Popularity Rank", "breed_name_length"], rows.Columns);
    }

    [Fact]
    public async Task Java_bunnies_applies_position_and_equality_deletes()
    {
        var t = await OpenAsync("java/bunnies");
        foreach (var task in await t.NewScan().PlanFilesAsync())
            output.WriteLine($"{task.File.FilePath} seq={task.DataSequenceNumber} rows={task.File.RecordCount} pos={task.PositionDeletes.Count} eq={task.EqualityDeletes.Count}");
        var rows = await t.NewScan().ReadAsync();
        Dump(rows);
        // 21 initial rows − 6 position deletes − the equality-deleted old "New Zealand" + its updated row = 15
        Assert.Equal(15, rows.Rows.Count);
        var names = rows.Rows.Select(r => (string)r[0]!).ToList();
        foreach (var gone in new[] { "Flemish Giant", "English Lop", "Rex", "Mini Lop", "Lionhead", "French Angora" })
            Assert.DoesNotContain(gone, names);
        var nz = Assert.Single(rows.Rows, r => (string?)r[0] == "New Zealand");
        Assert.Equal(0L, nz[7]);
        Assert.Equal(true, nz[8]);
        Assert.Single(rows.Rows, r => (string?)r[0] == "Holland Lop");
    }

    [Fact]
    public async Task Athena_example_opens_uuid_named_metadata()
    {
        var t = await OpenAsync("athena/example");
        var rows = await t.NewScan().ReadAsync();
        Dump(rows);
        Assert.Equal(2, rows.Rows.Count);
        Assert.Equal(["Alice", "Bob"], rows.Rows.OrderBy(r => Convert.ToInt32(r[0], System.Globalization.CultureInfo.InvariantCulture)).Select(r => (string)r[1]!));
    }
}
