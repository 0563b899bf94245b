using Avro.File;
using Avro.Generic;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Tests.Iceberg;

public class ManifestTests
{
    private static (IcebergSchema, PartitionSpec, TableMetadata) Table()
    {
        var schema = MetadataJsonTests.SampleSchema();
        var spec = new PartitionSpecBuilder(schema).Day("ts").Bucket("id", 8).Identity("price").Identity("name").Identity("d").Build();
        return (schema, spec, TableMetadata.NewTable("file:///w/t", schema, spec, null, null, 0));
    }

    [Fact]
    public void Manifest_round_trips_entries_partition_values_and_metrics()
    {
        var (schema, spec, table) = Table();
        var file = new DataFile
        {
            FilePath = "file:///w/t/data/a.parquet",
            Partition = [19000, 3, 12.34m, "x", 19001],
            RecordCount = 10,
            FileSizeInBytes = 1234,
            ValueCounts = new Dictionary<int, long> { [1] = 10, [2] = 10 },
            NullValueCounts = new Dictionary<int, long> { [1] = 0, [2] = 2 },
            LowerBounds = new Dictionary<int, byte[]> { [1] = Conversions.ToBytes(IcebergType.Long, 1L) },
            UpperBounds = new Dictionary<int, byte[]> { [1] = Conversions.ToBytes(IcebergType.Long, 99L) },
            SplitOffsets = [4L],
            SortOrderId = 0,
        };
        var deleted = file with { FilePath = "file:///w/t/data/b.parquet", Partition = [null, null, null, null, null] };
        var bytes = ManifestWriter.Write(schema, spec, ManifestContent.Data,
        [
            new ManifestEntry(EntryStatus.Added, null, null, null, file),
            new ManifestEntry(EntryStatus.Deleted, 7, 2, 2, deleted),
        ]);
        var manifest = new ManifestFile { ManifestPath = "m.avro", AddedSnapshotId = 42, SequenceNumber = 5 };
        var read = ManifestReader.Read(new MemoryStream(bytes), table, manifest);
        Assert.Equal("2", read.Metadata["format-version"]);
        Assert.Equal("data", read.Metadata["content"]);
        Assert.Equal("0", read.Metadata["partition-spec-id"]);
        Assert.Contains("\"field-id\":1001", read.Metadata["partition-spec"]);
        Assert.Contains("\"schema-id\":0", read.Metadata["schema"]);
        var a = read.Entries[0];
        Assert.Equal((EntryStatus.Added, 42L, 5L, 5L), (a.Status, a.SnapshotId!.Value, a.SequenceNumber!.Value, a.FileSequenceNumber!.Value));
        Assert.Equal(new object?[] { 19000, 3, 12.34m, "x", 19001 }, a.File.Partition);
        Assert.Equal(99L, Conversions.FromBytes(IcebergType.Long, a.File.UpperBounds![1]));
        Assert.Equal(2, a.File.NullValueCounts![2]);
        Assert.Equal("parquet", a.File.FileFormat);
        Assert.Equal([4L], a.File.SplitOffsets!);
        var b = read.Entries[1];
        Assert.Equal((EntryStatus.Deleted, 7L, 2L), (b.Status, b.SnapshotId!.Value, b.SequenceNumber!.Value));
        Assert.All(b.File.Partition, Assert.Null);
    }

    [Fact]
    public void Manifest_avro_schema_carries_spec_field_ids_and_names()
    {
        var (schema, spec, _) = Table();
        var bytes = ManifestWriter.Write(schema, spec, ManifestContent.Data, []);
        // the header as written (Apache.Avro's reader would re-serialize the schema without unknown logical types)
        var json = System.Text.Encoding.UTF8.GetString(bytes);
        foreach (var fragment in new[] { "\"manifest_entry\"", "\"r2\"", "\"r102\"", "\"k117_v118\"", "\"k126_v127\"", "\"element-id\":133", "\"logicalType\":\"map\"" })
            Assert.Contains(fragment, json.Replace(" ", "", StringComparison.Ordinal));
        Assert.Contains("\"field-id\":102", json.Replace(" ", "", StringComparison.Ordinal));
        Assert.Contains("\"field-id\":1000", json.Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Manifest_list_round_trips()
    {
        var m = new ManifestFile
        {
            ManifestPath = "file:///w/t/metadata/x-m0.avro", ManifestLength = 100, PartitionSpecId = 0, Content = ManifestContent.Deletes,
            SequenceNumber = 3, MinSequenceNumber = 2, AddedSnapshotId = 9, AddedFilesCount = 1, ExistingFilesCount = 2, DeletedFilesCount = 3,
            AddedRowsCount = 10, ExistingRowsCount = 20, DeletedRowsCount = 30,
            Partitions = [new FieldSummary(true, null, [1, 0, 0, 0], [5, 0, 0, 0])],
        };
        var bytes = ManifestListFile.Write(9, 8, 3, [m]);
        var back = Assert.Single(ManifestListFile.Read(new MemoryStream(bytes)));
        Assert.Equal(m with { Partitions = null }, back with { Partitions = null });
        Assert.Equal(m.Partitions[0].UpperBound, back.Partitions![0].UpperBound);
        using var reader = DataFileReader<GenericRecord>.OpenReader(new MemoryStream(bytes));
        Assert.Equal("9", reader.GetMetaString("snapshot-id"));
        Assert.Equal("3", reader.GetMetaString("sequence-number"));
    }

    [Theory]
    [InlineData("spark/rename_column")]
    [InlineData("spark/bunnies")]
    [InlineData("java/bunnies")]
    [InlineData("athena/example")]
    public void Reads_manifests_written_by_other_engines(string table)
    {
        var dir = Interop.Path_(table + "/metadata");
        var latest = Directory.GetFiles(dir, "*.metadata.json").OrderBy(f => TableMetadataJson.VersionOf(f)).Last();
        var meta = TableMetadataJson.Parse(File.ReadAllBytes(latest));
        var listName = meta.CurrentSnapshot!.ManifestList[(meta.CurrentSnapshot.ManifestList.LastIndexOf('/') + 1)..];
        using var ls = File.OpenRead(Path.Combine(dir, listName));
        var manifests = ManifestListFile.Read(ls);
        Assert.NotEmpty(manifests);
        var total = 0L;
        foreach (var m in manifests)
        {
            using var ms = File.OpenRead(Path.Combine(dir, m.ManifestPath[(m.ManifestPath.LastIndexOf('/') + 1)..]));
            var entries = ManifestReader.Read(ms, meta, m).Entries;
            total += entries.Where(e => e.IsLive && e.File.Content == FileContent.Data).Sum(e => e.File.RecordCount);
        }
        Assert.Equal(long.Parse(meta.CurrentSnapshot.Summary["total-records"], System.Globalization.CultureInfo.InvariantCulture), total);
    }
}
