using System.Text.Json.Nodes;
using Dativo.Lake.Catalog;
using Dativo.Lake.Engine;
using Dativo.Streaming.Buffering;
using Dativo.Streaming.Delivery;
using Dativo.Streaming.Hosting;
using Dativo.Streaming.Processing;
using Dativo.Streaming.Runtime;
using Dativo.Testing;
using Microsoft.Extensions.Time.Testing;
using static Dativo.Streaming.Tests.StreamTestKit;

namespace Dativo.Streaming.Tests;

/// <summary>destination iceberg: each flush commits one snapshot to a table created from the contract; a replayed flush never commits twice.</summary>
public sealed class IcebergDestinationTests
{
    private static readonly TableIdentifier Table = new("web", "clicks");

    private static StreamSettings Clicks(string warehouse) => Settings(StreamServiceMapping.ErrorRoot(warehouse, "clicks"), s => s with
    {
        BufferingIntervalSeconds = 60,
        FormatConversion = new FormatConversionSettings(ContractKit.Clicks()),
        Iceberg = new IcebergDestinationSettings(warehouse, null, Table.Namespace, Table.Name),
    });

    private static string Click(int id, string page) => $$"""{"id": {{id}}, "page": "{{page}}", "price": "{{id}}.25"}""";

    /// <summary>Rows of the table read the way <c>dativo table</c> and lake SQL read it: count, sum of ids, and every id.</summary>
    private static async Task<(long Count, decimal PriceSum, string Ids)> ReadAsync(string warehouse)
    {
        var lake = LakeWarehouse.Open(warehouse);
        var table = await lake.OpenTableAsync(Table, default);
        await using var engine = await DuckDbEngine.OpenAsync(threads: 1);
        await LakeSql.RegisterTableAsync(engine, "clicks", table, null, default);
        var r = await engine.QueryAsync("SELECT count(*), sum(price), string_agg(CAST(id AS VARCHAR), ',' ORDER BY id) FROM clicks");
        return (Convert.ToInt64(r.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture), (decimal)r.Rows[0][1]!, (string)r.Rows[0][2]!);
    }

    [Fact]
    public async Task Each_flush_commits_one_snapshot_to_a_table_created_from_the_contract()
    {
        using var dir = new TempDir();
        var warehouse = Path.Combine(dir.Path, "lake");
        var time = new FakeTimeProvider(Start);
        await using (var stream = Open(Clicks(warehouse), Path.Combine(dir.Path, "data"), time))
        {
            await stream.StartAsync(default);
            await stream.PutAsync(Records(Click(1, "home"), Click(2, "cart"), Click(3, "home")));
            await stream.BarrierAsync();
            time.Advance(TimeSpan.FromSeconds(61)); // the interval: the buffer is delivered
            await stream.BarrierAsync();
            await stream.PutAsync(Records(Click(4, "home"), """{"id": "four", "page": "home"}""", Click(5, "cart")));
        } // stopping delivers the second buffer

        Assert.Equal((5L, 16.25m, "1,2,3,4,5"), await ReadAsync(warehouse));
        var table = await LakeWarehouse.Open(warehouse).OpenTableAsync(Table, default);
        var snapshots = table.Metadata.Snapshots;
        Assert.Equal(2, snapshots.Count);
        Assert.All(snapshots, s => Assert.Equal("clicks", s.Summary[IcebergSink.StreamKey]));
        Assert.Equal(["3", "2"], snapshots.Select(s => s.Summary["added-records"]));
        Assert.Equal(["id", "page", "price", "at", "ok"], table.Schema.Columns.Select(c => c.Name));
        // the contract's tags, as ingestion sets them
        Assert.Equal("clicks", table.Metadata.Properties["asset.name"]);
        Assert.Equal("web-data@example.com", table.Metadata.Properties["governance.owner"]);
        Assert.Equal("internal", table.Metadata.Properties["classification.fields.page"]);
        Assert.Equal("30", table.Metadata.Properties["governance.retention_days"]);

        var errors = Objects(StreamServiceMapping.ErrorRoot(warehouse, "clicks"));
        var error = Assert.Single(errors);
        Assert.StartsWith("format-conversion-failed/2026/01/02/03/clicks-1-", error.Key, StringComparison.Ordinal);
        Assert.Equal("DataFormatConversion.MalformedData", JsonNode.Parse(error.Value)!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_crash_between_a_commit_and_its_delivery_record_neither_duplicates_nor_loses_rows()
    {
        using var dir = new TempDir();
        var warehouse = Path.Combine(dir.Path, "lake");
        var data = Path.Combine(dir.Path, "data");
        var time = new FakeTimeProvider(Start);
        var committed = new TaskCompletionSource();
        var crash = new TaskCompletionSource();
        var crashed = Open(Clicks(warehouse), data, time);
        crashed.DeliveredNotYetRecorded = async () =>
        {
            committed.SetResult();
            await crash.Task;
            throw new SimulatedCrash(); // the process dies before the delivery log records the commit
        };
        await crashed.StartAsync(default);
        await crashed.PutAsync(Records(Click(1, "home"), """{"id": "one", "page": "home"}""", Click(2, "cart")));
        await crashed.BarrierAsync();
        time.Advance(TimeSpan.FromSeconds(61));
        await committed.Task; // the first buffer is committed to the table, not yet in the delivery log
        // acknowledged meanwhile: the same buffer key, after the committed range
        await crashed.PutAsync(Records(Click(3, "home")));
        crash.SetResult(); // the "process" never records the commit and never runs again
        Assert.Equal((2L, 3.50m, "1,2"), await ReadAsync(warehouse));

        await using (var restarted = Open(Clicks(warehouse), data, new FakeTimeProvider(Start.AddMinutes(5))))
        {
            await restarted.StartAsync(default); // the log is replayed: 1 and 2 are in a snapshot already, 3 is not
        }

        Assert.Equal((3L, 6.75m, "1,2,3"), await ReadAsync(warehouse));
        var table = await LakeWarehouse.Open(warehouse).OpenTableAsync(Table, default);
        Assert.Equal(2, table.Metadata.Snapshots.Count);
        // the misfit between the committed records was not delivered before the crash: the replay delivers it
        var error = Assert.Single(Objects(StreamServiceMapping.ErrorRoot(warehouse, "clicks")));
        Assert.Contains("\"errorCode\":\"DataFormatConversion.MalformedData\"", error.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flush_whose_commit_answer_was_lost_is_not_committed_again()
    {
        using var dir = new TempDir();
        var warehouse = Path.Combine(dir.Path, "lake");
        var settings = Clicks(warehouse);
        var records = ContractRecords.For(settings.FormatConversion!.Contract, settings.Name);
        var first = new ProcessedRecord(ProcessedRecord.OrdinalOf(4, 0), Start.ToUnixTimeMilliseconds(), "p/", false, System.Text.Encoding.UTF8.GetBytes(Click(1, "home")), "p/");
        var buffer = new PartitionBuffer("p/", false, first);
        buffer.Add(first);
        buffer.Add(first with { Ordinal = ProcessedRecord.OrdinalOf(5, 0), Data = System.Text.Encoding.UTF8.GetBytes(Click(2, "home")) });
        await using (var sink = new IcebergSink(settings, settings.Iceberg!, records, new Lake.Iceberg.Data.WriteOptions(), TimeProvider.System))
        {
            await sink.OpenAsync(default);
            var (key, _) = await sink.DeliverAsync(buffer, default);
            // the same flush again, as after a commit whose answer was lost: the snapshot that has its identity answers
            var (again, bytes) = await sink.DeliverAsync(buffer, default);
            Assert.Equal(key, again);
            Assert.Equal(0, bytes);
        }
        Assert.Equal((2L, 3.50m, "1,2"), await ReadAsync(warehouse));
        var snapshot = Assert.Single((await LakeWarehouse.Open(warehouse).OpenTableAsync(Table, default)).Metadata.Snapshots);
        Assert.Equal($"1:{ProcessedRecord.OrdinalOf(4, 0)}-{ProcessedRecord.OrdinalOf(5, 0)}", snapshot.Summary[IcebergSink.FlushKey]);
    }

    private sealed class SimulatedCrash : Exception;
}
