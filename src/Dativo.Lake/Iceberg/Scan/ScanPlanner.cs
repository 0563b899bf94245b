using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Scan;

/// <summary>A data file to read and the delete files that apply to it.</summary>
public sealed record ScanTask(DataFile File, long DataSequenceNumber, IReadOnlyList<DataFile> PositionDeletes, IReadOnlyList<DataFile> EqualityDeletes);

/// <summary>
/// Scan planning (spec "Scan Planning"): prunes data files by partition values and column bounds, then attaches
/// position deletes (same partition, data seq ≤ delete seq, matching referenced file) and equality deletes
/// (data seq &lt; delete seq, same partition or unpartitioned delete spec).
/// </summary>
internal static class ScanPlanner
{
    public static async Task<IReadOnlyList<ScanTask>> PlanAsync(TableMetadata table, Snapshot? snapshot, SnapshotFiles files, Expr filter, CancellationToken ct)
    {
        if (snapshot is null) return [];
        var schema = table.CurrentSchema;
        var preds = BoundPredicate.Bind(filter, schema);
        var data = new List<(DataFile File, long Seq)>();
        var posDeletes = new List<(DataFile File, long Seq)>();
        var eqDeletes = new List<(DataFile File, long Seq)>();
        foreach (var (m, e) in await files.LiveEntriesAsync(table, snapshot, ct))
        {
            var seq = e.SequenceNumber ?? 0;
            switch (e.File.Content)
            {
                case FileContent.Data:
                    var spec = table.PartitionSpecs.FirstOrDefault(s => s.SpecId == e.File.SpecId) ?? PartitionSpec.Unpartitioned;
                    if (Evaluators.MightMatch(preds, e.File, spec, schema)) data.Add((e.File, seq));
                    break;
                case FileContent.PositionDeletes: posDeletes.Add((e.File, seq)); break;
                case FileContent.EqualityDeletes: eqDeletes.Add((e.File, seq)); break;
            }
        }
        var tasks = new List<ScanTask>(data.Count);
        foreach (var (file, seq) in data)
        {
            var pos = posDeletes.Where(d => seq <= d.Seq
                && (d.File.ReferencedDataFile is null || d.File.ReferencedDataFile == file.FilePath)
                && Evaluators.SamePartition(file, d.File)
                && MightReference(d.File, file.FilePath)).Select(d => d.File).ToList();
            var eq = eqDeletes.Where(d => seq < d.Seq
                && (IsUnpartitioned(table, d.File.SpecId) || Evaluators.SamePartition(file, d.File))).Select(d => d.File).ToList();
            tasks.Add(new ScanTask(file, seq, pos, eq));
        }
        return tasks;
    }

    private static bool IsUnpartitioned(TableMetadata table, int specId) =>
        table.PartitionSpecs.FirstOrDefault(s => s.SpecId == specId)?.IsUnpartitioned ?? true;

    /// <summary>Uses the delete file's file_path bounds (field 2147483546) to skip files it cannot reference.</summary>
    private static bool MightReference(DataFile delete, string path)
    {
        const int filePathId = 2147483546;
        if (delete.LowerBounds?.TryGetValue(filePathId, out var lo) != true || delete.UpperBounds?.TryGetValue(filePathId, out var hi) != true) return true;
        var p = System.Text.Encoding.UTF8.GetBytes(path);
        var lower = lo!;
        var upper = hi!;
        return p.AsSpan().SequenceCompareTo(lower) >= 0 && p.AsSpan()[..Math.Min(p.Length, upper.Length)].SequenceCompareTo(upper) <= 0;
    }
}
