using System.Text.Json.Nodes;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>Parquet column names of data files as Java writes them (AvroSchemaUtil.makeCompatibleName); reading stays by field id.</summary>
public sealed class ColumnNameTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    internal static readonly IcebergSchema Awkward = new(0,
    [
        NestedField.Require(1, "id", IcebergType.Long),
        NestedField.Optional(2, "my col", IcebergType.String),
        NestedField.Optional(3, "a.b", IcebergType.Int),
        NestedField.Optional(4, "1st", IcebergType.Double),
    ]);

    internal static readonly string[] AwkwardParquetNames = ["id", "my_x20col", "a_x2Eb", "_1st"];

    private static RecordBatch Rows(long first) =>
        new(Awkward, [new[] { first, first + 1 }, new[] { $"x{first}", null }, new int?[] { (int)first, 7 }, new double?[] { 1.5, null }]);

    [Theory]
    [InlineData("my col", "my_x20col")]
    [InlineData("a.b", "a_x2Eb")]
    [InlineData("1st", "_1st")]
    [InlineData("ok_1", "ok_1")]
    [InlineData("_x", "_x")]
    [InlineData("a-b/c", "a_x2Db_x2Fc")]
    [InlineData("héllo", "héllo")] // Java keeps letters of any script
    [InlineData("c😀", "c_xD83D_xDE00")] // one _x per UTF-16 unit, as Java's char loop
    public void Parquet_names_are_javas_compatible_names(string name, string expected) =>
        Assert.Equal(expected, CompatibleNames.Parquet(name));

    [Fact]
    public void Avro_names_keep_only_ascii_letters_and_digits() =>
        Assert.Equal(["h_xE9llo", "_1st", "a_x2Eb"], new[] { "héllo", "1st", "a.b" }.Select(CompatibleNames.Avro));

    [Fact]
    public void Two_columns_with_the_same_parquet_name_are_refused()
    {
        var schema = new IcebergSchema(0, [NestedField.Optional(1, "a b", IcebergType.Int), NestedField.Optional(2, "a_x20b", IcebergType.Int)]);
        var e = Assert.Throws<Core.Errors.DativoException>(() => ParquetSchemas.ColumnNames(schema));
        Assert.Contains("'a b' and 'a_x20b'", e.Message, StringComparison.Ordinal);
    }

    private async Task<IcebergTable> CreateAsync(string name)
    {
        await _fx.Catalog.CreateNamespaceAsync("db");
        return await IcebergTables.CreateAsync(_fx.Catalog, _fx.Store, new TableIdentifier("db", name), Awkward);
    }

    [Fact]
    public async Task Data_files_name_columns_as_java_and_keep_the_field_ids()
    {
        var t = await CreateAsync("names");
        await t.AppendAsync(Rows(1));

        var path = Assert.Single(Directory.GetFiles(Path.Combine(_fx.Dir.Path, "db", "names", "data"), "*.parquet", SearchOption.AllDirectories));
        using (var reader = new ParquetSharp.ParquetFileReader(path))
        {
            var s = reader.FileMetaData.Schema;
            Assert.Equal(AwkwardParquetNames, Enumerable.Range(0, s.NumColumns).Select(i => s.Column(i).SchemaNode.Name));
            Assert.Equal([1, 2, 3, 4], Enumerable.Range(0, s.NumColumns).Select(i => s.Column(i).SchemaNode.FieldId));
        }
        var rows = (await t.NewScan().ReadAsync()).Rows.OrderBy(r => (long)r[0]!).ToList();
        Assert.Equal([1L, "x1", 1, 1.5], rows[0]);
        Assert.Equal([2L, null, 7, null], rows[1]);
        Assert.Equal(1, await t.NewScan().Filter(Expr.Eq("my col", "x1")).CountAsync());
        Assert.Equal(["x1"], (await t.NewScan().Select("my col").Filter(Expr.Eq("a.b", 1)).ReadAsync()).Rows.Select(r => r[0]));
    }

    [Fact]
    public async Task Files_written_before_names_were_sanitised_still_read_by_field_id()
    {
        var t = await CreateAsync("old");
        // a data file as the lake wrote them before: Parquet columns named like the fields
        await using (var w = await ParquetFileWriter.CreateAsync(_fx.Store, "db/old/data/old-00000.parquet", Awkward, new WriteOptions(), CancellationToken.None, icebergNames: false))
        {
            await w.WriteRowGroupAsync(Rows(10), CancellationToken.None);
            await t.AppendFilesAsync([await w.CompleteAsync(t.IO.UriOf("db/old/data/old-00000.parquet"), CancellationToken.None)]);
        }
        await t.AppendAsync(Rows(20));

        var rows = (await t.NewScan().ReadAsync()).Rows.OrderBy(r => (long)r[0]!).ToList();
        Assert.Equal([[10L, "x10", 10, 1.5], [11L, null, 7, null], [20L, "x20", 20, 1.5], [21L, null, 7, null]], rows);
        Assert.Equal(2, await t.NewScan().Filter(Expr.Eq("a.b", 7)).CountAsync());
    }

    [SkippableFact]
    public async Task Icebird_reads_columns_whose_names_java_spells_differently()
    {
        var tools = NodeTools.With("icebird");
        Skip.If(tools is null, "npm/icebird not available (tests/tools)");
        var t = await CreateAsync("icebird_names");
        await t.AppendAsync(Rows(1));

        var (code, output, err) = NodeTools.Run("node", tools!, "read-iceberg.mjs", t.IO.LocalPath(t.Location)!);
        Assert.True(code == 0, err);
        var row = JsonNode.Parse(output)!.AsArray().Select(r => r!.AsObject()).Single(r => r["id"]!.ToString() == "1");
        Assert.Equal("x1", row["my col"]!.GetValue<string>());
        Assert.Equal(1, row["a.b"]!.GetValue<int>());
        Assert.Equal(1.5, row["1st"]!.GetValue<double>());
    }
}
