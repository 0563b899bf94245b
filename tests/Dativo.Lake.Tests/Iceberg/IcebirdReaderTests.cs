using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
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

    [SkippableFact]
    public async Task Icebird_reads_every_type_with_nulls()
    {
        Skip.If(Tools is null, "npm/icebird not available (tests/tools)");
        await _fx.Catalog.CreateNamespaceAsync("db");
        var t = await IcebergTables.CreateAsync(_fx.Catalog, _fx.Store, new TableIdentifier("db", "types"), ParquetWriterTests.AllTypes);
        await t.AppendAsync(ParquetWriterTests.AllTypesBatch());

        var (code, output, err) = NodeTools.Run("node", Tools!, "read-iceberg.mjs", t.IO.LocalPath(t.Location)!);
        Assert.True(code == 0, err);
        var rows = JsonNode.Parse(output)!.AsArray().Select(r => r!.AsObject()).OrderBy(r => r["id"]!.ToString()).ToList();
        Assert.Equal(3, rows.Count);
        var (a, b, c) = (rows[0], rows[1], rows[2]);
        static byte[] Bytes(JsonNode? n) => [.. n!.AsObject().OrderBy(p => int.Parse(p.Key, CultureInfo.InvariantCulture)).Select(p => (byte)p.Value!.GetValue<int>())];
        static double Num(JsonNode? n) => n!.GetValue<double>();

        Assert.True(a["b"]!.GetValue<bool>());
        Assert.Equal(7, a["i"]!.GetValue<int>());
        Assert.Equal("9223372036854775807", a["l"]!.ToString());
        Assert.Equal("-9223372036854775808", b["l"]!.ToString());
        Assert.Equal(1.5, Num(a["f"]));
        Assert.Equal(2.25, Num(b["d"]));
        // hyparquet turns decimals into doubles: equal to 15 significant digits, sign and scale right
        Assert.Equal(1234567.89, Num(a["dec9"]), 1e-6);
        Assert.Equal(-9999999.99, Num(b["dec9"]), 1e-6);
        Assert.Equal(12345678901234.5678, Num(a["dec18"]), 1e-2);
        Assert.Equal(-0.0001, Num(b["dec18"]), 1e-12);
        Assert.Equal(-12345678901234567.8901234567, Num(a["dec38"]), 10.0);
        Assert.Equal(1.2345678902, Num(b["dec38"]), 1e-12);
        Assert.Equal("2024-02-29T00:00:00.000Z", a["dt"]!.ToString());
        Assert.Equal("1969-12-31T00:00:00.000Z", b["dt"]!.ToString());
        Assert.Equal(((22L * 3600) + (31 * 60) + 8) * 1_000_000, long.Parse(a["tm"]!.ToString(), CultureInfo.InvariantCulture));
        Assert.Equal("1", b["tm"]!.ToString());
        Assert.Equal("2017-11-16T22:31:08.000Z", a["ts"]!.ToString());
        Assert.Equal("1900-01-01T00:00:00.000Z", b["ts"]!.ToString());
        Assert.Equal("2038-01-19T03:14:08.000Z", b["tstz"]!.ToString());
        Assert.Equal("iceberg", a["s"]!.ToString());
        Assert.Equal("héllo 🧊", b["s"]!.ToString());
        Assert.Equal(ParquetWriterTests.Uuid.ToByteArray(bigEndian: true), Bytes(a["u"]));
        Assert.Equal(new byte[16], Bytes(b["u"]));
        Assert.Equal(new byte[] { 0xff, 0, 0x80 }, Bytes(b["fx"]));
        Assert.Equal("\0\u0001\u0002\u0003", a["bin"]!.GetValue<string>()); // hyparquet decodes BYTE_ARRAY as UTF-8
        Assert.Equal(["a", "", "c"], rows.Select(r => r["req_s"]!.ToString()));
        foreach (var col in new[] { "b", "f", "d", "dec9", "dec18", "dec38", "dt", "tm", "ts", "tstz", "s", "u", "fx", "bin" })
            Assert.True(c[col] is null, $"{col} should be null, was {c[col]}");
    }
}
