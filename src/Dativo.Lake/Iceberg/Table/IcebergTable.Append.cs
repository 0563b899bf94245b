using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;

namespace Dativo.Lake.Iceberg.Table;

public sealed partial class IcebergTable
{
    /// <summary>
    /// A writer for data files of this table that commits nothing (stream batches in, then
    /// <see cref="AppendFilesAsync(IReadOnlyList{DataFile}, IReadOnlyDictionary{string, string}?, CancellationToken)"/>).
    /// <paramref name="options"/> defaults to the table properties (<see cref="WriteOptions.FromProperties"/>).
    /// </summary>
    public TableDataWriter NewDataWriter(WriteOptions? options = null) =>
        new(this, options ?? WriteOptions.FromProperties(Metadata.Properties));

    /// <summary>
    /// Fast append of already written data files, with extra entries in the snapshot summary — e.g. a writer's
    /// progress marker that must become visible in the same catalog swap as the data (read it back with
    /// <see cref="LatestSummaryValue"/>). Keys the spec defines (<c>operation</c>, <c>added-*</c>, <c>deleted-*</c>,
    /// <c>removed-*</c>, <c>total-*</c>, <c>changed-partition-count</c>) are refused. An empty file list still
    /// creates a snapshot (carrying the summary entries). If the commit certainly did not happen, the files are
    /// deleted (they were written for it and nothing references them).
    /// </summary>
    public Task<CommitResult> AppendFilesAsync(IReadOnlyList<DataFile> files, IReadOnlyDictionary<string, string>? summary, CancellationToken ct = default) =>
        CommitFilesAsync(files, new FileCommit { Summary = summary ?? new Dictionary<string, string>() }, ct);

    /// <summary>
    /// Commits already written data files as one snapshot: appended, replacing the table, or replacing the partitions
    /// they fall in (<see cref="FileCommit.Mode"/>), with summary entries and table properties published in the same
    /// swap and an optional precondition checked against every base the commit is attempted on.
    /// </summary>
    public Task<CommitResult> CommitFilesAsync(IReadOnlyList<DataFile> files, FileCommit commit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(commit);
        foreach (var k in commit.Summary.Keys)
            if (IsReservedSummaryKey(k))
                throw new DativoException($"snapshot summary key '{k}' is computed by the commit and cannot be set; use a prefixed key such as 'myapp.{k}'");
        var summary = new Dictionary<string, string>(commit.Summary, StringComparer.Ordinal);
        if (commit.Mode == FileCommitMode.ReplacePartitions) summary["replace-partitions"] = "true";
        return CommitSnapshotAsync(new SnapshotProducer(IO, TableKey, _time)
        {
            Operation = commit.Mode == FileCommitMode.Append ? Operations.Append : Operations.Overwrite,
            AddedData = files,
            ExtraSummary = summary,
            SetProperties = commit.Properties,
            Precondition = commit.Precondition,
            Plan = commit.Mode switch
            {
                FileCommitMode.Overwrite => (_, live, _, _) => Task.FromResult(new AttemptChanges(
                    live.Select(x => x.Entry.File.FilePath).ToHashSet(StringComparer.Ordinal), [], [])),
                FileCommitMode.ReplacePartitions => ReplacePartitionsPlan(files),
                _ => null,
            },
        }, ct);
    }

    private static Func<TableMetadata, IReadOnlyList<(ManifestFile Manifest, ManifestEntry Entry)>, int, CancellationToken, Task<AttemptChanges>> ReplacePartitionsPlan(
        IReadOnlyList<DataFile> files) =>
        (baseMeta, live, _, _) =>
        {
            if (files.Count == 0) return Task.FromResult(AttemptChanges.None);
            var unpartitioned = baseMeta.DefaultSpec.IsUnpartitioned;
            var remove = live.Where(x => unpartitioned || files.Any(f => Evaluators.SamePartition(f, x.Entry.File)))
                .Select(x => x.Entry.File.FilePath).ToHashSet(StringComparer.Ordinal);
            return Task.FromResult(new AttemptChanges(remove, [], []));
        };

    /// <summary>The value of <paramref name="key"/> in the summary of the newest snapshot on the current branch that has it, or null.</summary>
    public string? LatestSummaryValue(string key) =>
        Metadata.Ancestors().Select(s => s.Summary.GetValueOrDefault(key)).FirstOrDefault(v => v is not null);

    private static bool IsReservedSummaryKey(string key) =>
        key is "operation" or "changed-partition-count" or "replace-partitions" ||
        key.StartsWith("added-", StringComparison.Ordinal) || key.StartsWith("deleted-", StringComparison.Ordinal) ||
        key.StartsWith("removed-", StringComparison.Ordinal) || key.StartsWith("total-", StringComparison.Ordinal);
}
