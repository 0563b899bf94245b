using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>
/// Tables we write, read by icebird (npm: a JavaScript Iceberg reader on hyparquet that shares no code with
/// Dativo): appends, a partition overwrite, deletes and a renamed column must give exactly our live rows.
/// </summary>
public sealed class IcebirdReaderTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static string? Tools => NodeTools.With("icebird");

    [SkippableFact]
    public async Task Icebird_reads_exactly_our_live_rows()
    {
        Skip.If(Tools is null, "npm/icebird not available (tests/tools)");
        var t = await _fx.CreateAsync("icebird", s => new PartitionSpecBuilder(s).Day("ts").Bucket("id", 4).Build());
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 60));
        await t.AppendAsync(TableFixture.Events(t.Schema, 60, 60));
        await t.DeleteWhereAsync(Expr.Lt("id", 7));
        await t.UpdateSchemaAsync(u => u.RenameColumn("name", "label"));

        var (code, output, err) = NodeTools.Run("node", Tools!, "read-iceberg.mjs", t.IO.LocalPath(t.Location)!);
        Assert.True(code == 0, err);
        var rows = JsonNode.Parse(output)!.AsArray().Select(r => r!.AsObject()).ToList();

        Assert.Equal(113, rows.Count);
        var ids = rows.Select(r => long.Parse(r["id"]!.ToString(), CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(Enumerable.Range(7, 113).Select(i => (long)i), ids);
        var row42 = rows.Single(r => r["id"]!.ToString() == "42");
        Assert.Equal("name-42", row42["label"]!.GetValue<string>());
        Assert.Equal(14.0, row42["score"]!.GetValue<double>(), 9);
        Assert.True(row42["ok"]!.GetValue<bool>());
        Assert.Null(rows.Single(r => r["id"]!.ToString() == "40")["label"]);
        Assert.Equal(113, await t.NewScan().CountAsync());
    }
}
