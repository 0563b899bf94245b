using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary><see cref="TableDataWriter"/> and <see cref="IcebergTable.AppendFilesAsync(IReadOnlyList{Lake.Iceberg.Manifests.DataFile}, IReadOnlyDictionary{string, string}?, CancellationToken)"/>.</summary>
public sealed class AppendWithSummaryTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public async Task Streamed_files_and_summary_entries_become_visible_in_one_snapshot()
    {
        var t = await _fx.CreateAsync("events", s => new Lake.Iceberg.Metadata.PartitionSpecBuilder(s).Day("ts").Build());
        await using (var w = t.NewDataWriter())
        {
            await w.WriteAsync(TableFixture.Events(t.Schema, 0, 100));
            await w.WriteAsync(TableFixture.Events(t.Schema, 100, 20));
            Assert.Equal(120, w.Rows);
            var files = await w.CompleteAsync();
            Assert.Null(t.Metadata.CurrentSnapshot); // nothing committed before the append
            var r = await t.AppendFilesAsync(files, new Dictionary<string, string> { ["app.state"] = "{\"n\":1}" });
            Assert.Equal(120, r.AddedRecords);
            Assert.Equal("{\"n\":1}", r.Summary["app.state"]);
        }
        // an empty append still records the marker; the newest one wins
        await t.AppendFilesAsync([], new Dictionary<string, string> { ["app.state"] = "{\"n\":2}" });
        var reopened = await IcebergTables.OpenAsync(_fx.NewCatalog(), _fx.Store, new TableIdentifier("db", "events"));
        Assert.Equal("{\"n\":2}", reopened.LatestSummaryValue("app.state"));
        Assert.Null(reopened.LatestSummaryValue("app.other"));
        Assert.Equal(120, await reopened.NewScan().CountAsync());
    }

    [Fact]
    public async Task The_writer_keeps_no_caller_arrays_so_callers_may_reuse_them()
    {
        // batches smaller than a row group are held until it fills: they must be held as copies
        var t = await _fx.CreateAsync("reuse", s => Lake.Iceberg.Metadata.PartitionSpec.Unpartitioned);
        var batch = TableFixture.Events(t.Schema, 0, 100);
        var ids = (long[])batch.Columns[0];
        var names = (string?[])batch.Columns[1];
        await using var w = t.NewDataWriter(new Lake.Iceberg.Data.WriteOptions { RowGroupRows = 1000 });
        await w.WriteAsync(batch);
        for (var i = 0; i < ids.Length; i++) { ids[i] = -1; names[i] = "overwritten"; }
        await w.WriteAsync(TableFixture.Events(t.Schema, 100, 50));
        await t.AppendFilesAsync(await w.CompleteAsync());

        var rows = (await t.NewScan().ReadAsync()).Rows;
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (long)i), rows.Select(r => (long)r[0]!).Order());
        Assert.DoesNotContain(rows, r => (string?)r[1] == "overwritten");
    }

    [Fact]
    public async Task Spec_summary_keys_are_refused()
    {
        var t = await _fx.CreateAsync("events2", s => Lake.Iceberg.Metadata.PartitionSpec.Unpartitioned);
        var e = await Assert.ThrowsAsync<DativoException>(() => t.AppendFilesAsync([], new Dictionary<string, string> { ["total-records"] = "1" }));
        Assert.Contains("total-records", e.Message, StringComparison.Ordinal);
    }
}
