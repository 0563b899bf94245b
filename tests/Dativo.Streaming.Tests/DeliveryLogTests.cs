using Dativo.Streaming.Durability;
using Dativo.Testing;

namespace Dativo.Streaming.Tests;

public sealed class DeliveryLogTests
{
    [Fact]
    public void A_log_of_the_previous_format_is_read_and_exact_ordinals_count_whatever_the_partition_and_survive_compaction()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "delivered.log"), "{\"p\":\"a/\",\"f\":10,\"l\":20}\n{\"e\":[5]}\n");
        using (var log = DeliveryLog.Open(dir.Path))
        {
            log.RecordPartitionOrdinals("b/", [30, 32, 40, 40]);
            Assert.True(log.WasDelivered("a/", 15));
            Assert.False(log.WasDelivered("b/", 15)); // a range counts in its own partition only
            Assert.True(log.WasDelivered(null, 5));
            Assert.True(log.WasDelivered("elsewhere/", 31));
            Assert.True(log.WasDelivered(null, 40));
            Assert.False(log.WasDelivered("b/", 35)); // between two runs: not in the object
            log.Compact(31);
            Assert.False(log.WasDelivered("a/", 15));
            Assert.True(log.WasDelivered("elsewhere/", 30));
        }
        using (var reopened = DeliveryLog.Open(dir.Path))
        {
            Assert.Equal(1, reopened.EntryCount);
            Assert.False(reopened.WasDelivered(null, 5));
            Assert.True(reopened.WasDelivered("elsewhere/", 32));
            Assert.False(reopened.WasDelivered("b/", 33));
        }
    }

    [Fact]
    public void A_write_without_its_delivery_record_stays_unfinished_until_settled_as_landed_or_abandoned()
    {
        using var dir = new TempDir();
        using (var log = DeliveryLog.Open(dir.Path))
        {
            log.RecordWriting("a/", "a/clicks-1-x", [1, 3]);
            log.RecordWriting("b/", "b/clicks-1-y", [7, 7]);
            log.RecordWriting("c/", "c/clicks-1-z", [9, 9]);
            log.RecordPartitionOrdinals("b/", [7, 7]); // b landed and was recorded
            log.Compact(0); // a write in flight is kept
            Assert.False(log.WasDelivered("a/", 2));
        }
        using (var reopened = DeliveryLog.Open(dir.Path))
        {
            Assert.Equal(["a/clicks-1-x", "c/clicks-1-z"], reopened.UnfinishedWrites.Select(w => w.Key).Order());
            Assert.True(reopened.WasDelivered("c/", 7));
            var a = reopened.UnfinishedWrites.Single(w => w.Partition == "a/");
            var c = reopened.UnfinishedWrites.Single(w => w.Partition == "c/");
            reopened.SettleWrite(a.Partition, a.Runs, landed: true);
            reopened.SettleWrite(c.Partition, c.Runs, landed: false); // its object is not in the store
            Assert.True(reopened.WasDelivered("c/", 2));
        }
        using (var settled = DeliveryLog.Open(dir.Path))
        {
            Assert.Empty(settled.UnfinishedWrites);
            Assert.True(settled.WasDelivered(null, 3));
            Assert.False(settled.WasDelivered("c/", 9));
        }
    }
}
