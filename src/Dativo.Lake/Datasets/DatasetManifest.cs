using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Datasets;

/// <summary>How a write changes the published files.</summary>
public enum DatasetWriteMode
{
    /// <summary>Adds files; nothing is replaced.</summary>
    Append,

    /// <summary>Replaces exactly the partitions present in the new data (all files when the dataset is unpartitioned).</summary>
    OverwritePartitions,
}

/// <summary>A published data file: path relative to the dataset root, its partition folder and counts.</summary>
public sealed record DatasetFile(string Path, string Partition, long RecordCount, long SizeBytes);

/// <summary>
/// One published commit, stored as <c>_dativo/manifests/&lt;seq&gt;.json</c>. Readers fold the manifests in sequence
/// order: an overwrite drops the files of earlier commits in its <see cref="ReplacedPartitions"/>, then each commit adds its files;
/// a <see cref="Checkpoint"/> replaces everything before it.
/// <see cref="Properties"/> (optional <c>properties</c> object of strings) are the writer's key/value metadata, published with the
/// commit and never interpreted by readers (ingestion keeps its state and governance tags there).
/// </summary>
public sealed record DatasetManifest(
    long Sequence,
    string CommitId,
    DatasetWriteMode Mode,
    DateTimeOffset CommittedAt,
    IcebergSchema Schema,
    IReadOnlyList<string> PartitionColumns,
    IReadOnlyList<string> ReplacedPartitions,
    IReadOnlyList<DatasetFile> Files)
{
    /// <summary>
    /// A checkpoint (operation <c>checkpoint</c>) is not a commit: it restates the whole published state at its sequence
    /// — every live file, the newest value of every property, the number of commits folded in — so readers start from
    /// the newest one instead of reading every manifest ever written.
    /// </summary>
    public bool Checkpoint { get; init; }

    /// <summary>Commits this manifest stands for: 1, or for a checkpoint all commits before it.</summary>
    public long Commits { get; init; } = 1;

    /// <summary>Writer metadata of this commit (empty when the manifest has no <c>properties</c>).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = EmptyProperties;

    private static readonly IReadOnlyDictionary<string, string> EmptyProperties = new Dictionary<string, string>(StringComparer.Ordinal);

    public const string Format = "dativo-parquet-dataset/1";

    public const string Folder = "_dativo/manifests/";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Manifest key below the dataset root; the 20-digit sequence keeps list order = commit order.</summary>
    public static string FileName(long sequence) => Folder + sequence.ToString("D20", CultureInfo.InvariantCulture) + ".json";

    public static long? SequenceOf(string name)
    {
        var file = name[(name.LastIndexOf('/') + 1)..];
        return file.EndsWith(".json", StringComparison.Ordinal) && long.TryParse(file[..^5], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : null;
    }

    public byte[] ToJson()
    {
        var o = new JsonObject
        {
            ["format"] = Format,
            ["sequence"] = Sequence,
            ["commit-id"] = CommitId,
            ["operation"] = Checkpoint ? "checkpoint" : Mode == DatasetWriteMode.Append ? "append" : "overwrite-partitions",
            ["committed-at"] = CommittedAt.ToString("O", CultureInfo.InvariantCulture),
            ["schema"] = TypeJson.SchemaToJson(Schema),
            ["partition-columns"] = new JsonArray([.. PartitionColumns.Select(c => (JsonNode)c)]),
            ["replaced-partitions"] = new JsonArray([.. ReplacedPartitions.Select(c => (JsonNode)c)]),
            ["files"] = new JsonArray([.. Files.Select(f => (JsonNode)new JsonObject
            {
                ["path"] = f.Path,
                ["partition"] = f.Partition,
                ["record-count"] = f.RecordCount,
                ["file-size-in-bytes"] = f.SizeBytes,
            })]),
        };
        if (Checkpoint) o["commits"] = Commits;
        if (Properties.Count > 0)
            o["properties"] = new JsonObject([.. Properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]);
        return JsonSerializer.SerializeToUtf8Bytes(o, Indented);
    }

    public static DatasetManifest FromJson(byte[] json, string location)
    {
        try
        {
            var o = JsonNode.Parse(json)!.AsObject();
            if ((string?)o["format"] != Format) throw new DativoException($"{location}: not a dataset manifest (format '{(string?)o["format"]}', expected '{Format}')");
            return new DatasetManifest(
                (long)o["sequence"]!,
                (string)o["commit-id"]!,
                (string)o["operation"]! == "append" ? DatasetWriteMode.Append : DatasetWriteMode.OverwritePartitions,
                DateTimeOffset.Parse((string)o["committed-at"]!, CultureInfo.InvariantCulture),
                TypeJson.SchemaFromJson(o["schema"]!),
                [.. o["partition-columns"]!.AsArray().Select(n => (string)n!)],
                [.. o["replaced-partitions"]!.AsArray().Select(n => (string)n!)],
                [.. o["files"]!.AsArray().Select(n => new DatasetFile((string)n!["path"]!, (string)n["partition"]!, (long)n["record-count"]!, (long)n["file-size-in-bytes"]!))])
            {
                Checkpoint = (string)o["operation"]! == "checkpoint",
                Commits = (long?)o["commits"] ?? 1,
                Properties = o["properties"] is JsonObject props
                    ? props.ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal)
                    : EmptyProperties,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException or FormatException or KeyNotFoundException)
        {
            throw new DativoException($"{location}: corrupt dataset manifest ({ex.Message}); move it away to read the dataset without that commit", inner: ex);
        }
    }
}
