using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using System.Text.Json.Nodes;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>Partition values as the manifests store them (spec Appendix A, Avro), and what a failed commit leaves behind.</summary>
public sealed class PartitionValueTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private async Task<IcebergTable> CreateAsync(string name, IcebergSchema schema, Func<PartitionSpecBuilder, PartitionSpecBuilder>? spec = null,
        IReadOnlyDictionary<string, string>? props = null)
    {
        if (!(await _fx.Catalog.ListNamespacesAsync()).Contains("db")) await _fx.Catalog.CreateNamespaceAsync("db");
        return await IcebergTables.CreateAsync(_fx.Catalog, _fx.Store, new TableIdentifier("db", name), schema,
            new CreateTableOptions { PartitionSpec = spec?.Invoke(new PartitionSpecBuilder(schema)).Build(), Properties = props });
    }

    private static readonly IcebergSchema AmountSchema = new(0,
    [
        NestedField.Require(1, "id", IcebergType.Long),
        NestedField.Optional(2, "amount", IcebergType.Decimal(10, 2)),
    ]);

    [Fact]
    public async Task Identity_partition_on_a_decimal_with_fewer_decimals_than_the_scale_commits_and_reads_back()
    {
        var t = await CreateAsync("amounts", AmountSchema, b => b.Identity("amount"));
        await t.AppendAsync(new RecordBatch(t.Schema, [new long[] { 1, 2, 3, 4, 5 }, new decimal?[] { 12.5m, 3m, 12.50m, -0.1m, null }]));

        var rows = (await t.NewScan().ReadAsync()).Rows.OrderBy(r => (long)r[0]!).Select(r => (decimal?)r[1]).ToList();
        Assert.Equal([12.50m, 3.00m, 12.50m, -0.10m, null], rows);
        var reopened = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, new TableIdentifier("db", "amounts"));
        var tasks = await reopened.NewScan().PlanFilesAsync();
        var partitions = tasks.Select(x => (decimal?)x.File.Partition[0]).ToList();
        Assert.Equal(4, partitions.Count); // 12.5 and 12.50 are one partition
        Assert.All(partitions.OfType<decimal>(), p => Assert.True(p.Scale == 2, $"{p} read back with scale {p.Scale}"));
        Assert.Equal([-0.10m, 3.00m, 12.50m], partitions.OfType<decimal>().Order());
        Assert.Equal(2, (await t.NewScan().Filter(Lake.Iceberg.Scan.Expr.Eq("amount", 12.5m)).ReadAsync()).Rows.Count);
    }

    [Fact]
    public async Task Uuid_partition_fields_are_fixed_16_with_the_uuid_logical_type_in_the_manifest_schema()
    {
        var schema = new IcebergSchema(0, [NestedField.Require(1, "id", IcebergType.Long), NestedField.Optional(2, "u", IcebergType.Uuid)]);
        var t = await CreateAsync("uuids", schema, b => b.Identity("u"));
        var (a, b) = (Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7"));
        await t.AppendAsync(new RecordBatch(t.Schema, [new long[] { 1, 2, 3 }, new Guid?[] { a, b, null }]));

        var manifest = Assert.Single(Directory.GetFiles(Path.Combine(_fx.Dir.Path, "db", "uuids", "metadata"), "*-m0.avro"));
        var header = JsonNode.Parse(AvroHeader.Schema(File.ReadAllBytes(manifest)))!;
        var dataFile = header["fields"]!.AsArray().Single(f => (string)f!["name"]! == "data_file")!["type"]!;
        var partition = dataFile["fields"]!.AsArray().Single(f => (string)f!["name"]! == "partition")!["type"]!;
        var u = partition["fields"]![0]!;
        Assert.Equal(1000, (int)u["field-id"]!);
        var type = u["type"]!.AsArray()[1]!;
        Assert.Equal(("fixed", 16, "uuid"), ((string)type["type"]!, (int)type["size"]!, (string)type["logicalType"]!));

        // read back by us (through Apache.Avro, which refuses that annotation) from a fresh catalog
        var reopened = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, new TableIdentifier("db", "uuids"));
        var partitions = (await reopened.NewScan().PlanFilesAsync()).Select(x => x.File.Partition[0]).ToList();
        Assert.Equal(3, partitions.Count);
        Assert.Contains(a, partitions);
        Assert.Contains(b, partitions);
        Assert.Contains(null, partitions);
        Assert.Equal(1, await reopened.NewScan().Filter(Lake.Iceberg.Scan.Expr.Eq("u", b)).CountAsync());
    }

    [Fact]
    public async Task A_commit_that_certainly_failed_deletes_the_files_it_wrote()
    {
        var t = await CreateAsync("lost", AmountSchema, b => b.Identity("amount"), new Dictionary<string, string> { ["commit.retry.num-retries"] = "0" });
        var stale = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, new TableIdentifier("db", "lost"));
        await t.AppendAsync(new RecordBatch(t.Schema, [new long[] { 1 }, new decimal?[] { 1m }]));

        // the stale instance loses the catalog swap and may not retry: nothing it wrote may stay behind
        var e = await Assert.ThrowsAsync<DativoException>(() => stale.AppendAsync(new RecordBatch(t.Schema, [new long[] { 2, 3 }, new decimal?[] { 2m, 3m }])));
        Assert.Contains("commit failed", e.Message, StringComparison.Ordinal);
        Assert.Empty(await t.FindOrphanFilesAsync(TimeSpan.FromDays(-1)));
        Assert.Equal(1, await t.NewScan().CountAsync());
    }
}
