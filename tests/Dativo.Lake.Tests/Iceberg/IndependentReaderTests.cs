using System.Text.Json.Nodes;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;
using Dativo.Testing;

namespace Dativo.Lake.Tests.Iceberg;

/// <summary>
/// Manifests and manifest lists we write, decoded by avsc (JavaScript, independent of Apache.Avro), from
/// tests/tools (installed with npm on first use; skipped when npm is unavailable).
/// </summary>
public sealed class IndependentReaderTests : IDisposable
{
    private readonly TableFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static string? Tools => NodeTools.With("avsc");

    private static JsonNode Avsc(string file)
    {
        var (code, output, err) = NodeTools.Run("node", Tools!, "read-avro.js", file);
        Assert.True(code == 0, err);
        return JsonNode.Parse(output)!;
    }

    [SkippableFact]
    public async Task Avsc_decodes_our_manifest_list_and_manifests()
    {
        Skip.If(Tools is null, "npm/avsc not available");
        var t = await _fx.CreateAsync("avsc", s => new PartitionSpecBuilder(s).Day("ts").Bucket("id", 4).Build());
        await t.AppendAsync(TableFixture.Events(t.Schema, 0, 48));
        var snap = t.Metadata.CurrentSnapshot!;

        var list = Avsc(t.IO.LocalPath(snap.ManifestList)!);
        Assert.Equal("2", list["header"]!["meta"]!["format-version"]!.GetValue<string>());
        Assert.Equal(snap.SnapshotId.ToString(System.Globalization.CultureInfo.InvariantCulture), list["header"]!["meta"]!["snapshot-id"]!.GetValue<string>());
        var manifestRow = Assert.Single(list["records"]!.AsArray())!;
        Assert.Equal("1", manifestRow["sequence_number"]!.GetValue<string>());
        Assert.Equal(0, manifestRow["content"]!.GetValue<int>());
        Assert.Equal("48", manifestRow["added_rows_count"]!.GetValue<string>());
        Assert.Equal(2, manifestRow["partitions"]!.AsArray().Count);

        var manifest = Avsc(t.IO.LocalPath(manifestRow["manifest_path"]!.GetValue<string>())!);
        var meta = manifest["header"]!["meta"]!;
        Assert.Equal("data", meta["content"]!.GetValue<string>());
        Assert.Equal("0", meta["partition-spec-id"]!.GetValue<string>());
        Assert.Equal("2", meta["format-version"]!.GetValue<string>());
        Assert.Equal(1001, JsonNode.Parse(meta["partition-spec"]!.GetValue<string>())![1]!["field-id"]!.GetValue<int>());
        Assert.Equal(8, JsonNode.Parse(meta["schema"]!.GetValue<string>())!["fields"]!.AsArray().Count);
        var schema = manifest["header"]!["schema"]!.GetValue<string>().Replace(" ", "", StringComparison.Ordinal);
        Assert.Contains("\"name\":\"r102\"", schema);
        Assert.Contains("\"field-id\":1000", schema);
        Assert.Contains("\"logicalType\":\"map\"", schema);

        var records = manifest["records"]!.AsArray();
        var files = await t.NewScan().PlanFilesAsync();
        Assert.Equal(files.Count, records.Count);
        Assert.Equal(48, records.Sum(r => long.Parse(r!["data_file"]!["record_count"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var r in records)
        {
            var df = r!["data_file"]!;
            Assert.Equal(1, r["status"]!.GetValue<int>());
            Assert.Null(r["sequence_number"]);
            var ours = files.Single(f => f.File.FilePath == df["file_path"]!.GetValue<string>()).File;
            Assert.Equal(ours.Partition[0], df["partition"]!["ts_day"]!.GetValue<int>());
            Assert.Equal(ours.Partition[1], df["partition"]!["id_bucket"]!.GetValue<int>());
            var lower = df["lower_bounds"]!.AsArray().Single(kv => kv!["key"]!.GetValue<int>() == 1)!["value"]!.GetValue<string>();
            Assert.Equal(Convert.ToHexStringLower(ours.LowerBounds![1]), lower);
            Assert.Equal(Convert.ToHexStringLower(Conversions.ToBytes(IcebergType.Long, ours.LowerBounds[1].Length == 8 ? BitConverter.ToInt64(ours.LowerBounds[1]) : 0)), lower);
        }
    }
}
