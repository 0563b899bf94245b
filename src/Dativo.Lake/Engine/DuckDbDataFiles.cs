using System.Globalization;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Engine;

/// <summary>
/// The fast write path of <see cref="LakeSql"/> for local tables: DuckDB writes the query result straight into a
/// Parquet data file of the table (zstd, every column tagged with its Iceberg field id, values cast to the table's
/// types, the run date added), and the file is committed as a dynamic partition overwrite of that run date. No row
/// passes through .NET, so a 10 M-row result costs what DuckDB's own COPY costs. Value and null counts come from the
/// file's Parquet metadata; bounds are left out (optional in the spec) — reads prune by the run_date partition.
/// </summary>
internal static class DuckDbDataFiles
{
    public static async Task<CommitResult?> TryReplaceAsync(DuckDbEngine engine, IcebergTable table, string query, DateOnly? runDate, TimeProvider time, CancellationToken ct)
    {
        var schema = table.Schema;
        var spec = table.Spec;
        if (spec.Fields.Any(f => schema.FindField(f.SourceId)?.Name != LakeSql.RunDateColumn)) return null; // only run_date-partitioned or unpartitioned tables
        var partition = spec.Fields.Select(f =>
        {
            var type = PartitionSpec.SourceType(schema, f);
            return f.Transform.Apply(type, Conversions.Normalize(type, runDate));
        }).ToArray();
        var dir = spec.Fields.Count == 0 ? "data" : "data/" + spec.PartitionPath(schema, partition);
        var key = $"{table.IO.KeyOf(table.Location)}/{dir}/{Guid.NewGuid():N}-duckdb.parquet";
        var uri = table.IO.UriOf(key);
        if (table.IO.LocalPath(uri) is not { } path) return null; // object stores: the RecordBatch path

        var projection = schema.Columns.Select(c => c.Name == LakeSql.RunDateColumn && runDate is { } d
            ? $"{SqlText.Literal(d)} AS {SqlText.Identifier(c.Name)}"
            : $"CAST(q.{SqlText.Identifier(c.Name)} AS {DuckDbTypes.TypeName(c.Type)}) AS {SqlText.Identifier(c.Name)}");
        var fieldIds = string.Join(", ", schema.Columns.Select(c => $"{SqlText.Literal(c.Name)}: {c.Id.ToString(CultureInfo.InvariantCulture)}"));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        long rows;
        try
        {
            rows = await engine.ExecuteAsync(
                $"COPY (SELECT {string.Join(", ", projection)} FROM (\n{query}\n) AS q) TO {SqlText.Literal(path)} " +
                $"(FORMAT parquet, COMPRESSION zstd, FIELD_IDS {{{fieldIds}}})", ct: ct).ConfigureAwait(false);
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        var added = new List<DataFile>();
        var counts = await ColumnCountsAsync(engine, path, schema, ct).ConfigureAwait(false);
        var file = new DataFile
        {
            FilePath = uri,
            SpecId = spec.SpecId,
            Partition = partition,
            RecordCount = rows,
            FileSizeInBytes = new FileInfo(path).Length,
            ValueCounts = counts.Values,
            NullValueCounts = counts.Nulls,
        };
        if (rows > 0) added.Add(file);
        else File.Delete(path);
        var unpartitioned = spec.IsUnpartitioned;
        return await table.CommitSnapshotAsync(new SnapshotProducer(table.IO, table.IO.KeyOf(table.Location), time)
        {
            Operation = Operations.Overwrite,
            AddedData = added,
            ExtraSummary = new Dictionary<string, string> { ["replace-partitions"] = "true" },
            Plan = (baseMeta, live, attempt, token) =>
            {
                var remove = live.Where(x => unpartitioned || Evaluators.SamePartition(file, x.Entry.File))
                    .Select(x => x.Entry.File.FilePath).ToHashSet(StringComparer.Ordinal);
                return Task.FromResult(new AttemptChanges(remove, [], []));
            },
        }, ct).ConfigureAwait(false);
    }

    private static async Task<(Dictionary<int, long> Values, Dictionary<int, long> Nulls)> ColumnCountsAsync(DuckDbEngine engine, string path, IcebergSchema schema, CancellationToken ct)
    {
        var meta = await engine.QueryAsync(
            $"SELECT path_in_schema, SUM(num_values), SUM(stats_null_count) FROM parquet_metadata({SqlText.Literal(path)}) GROUP BY path_in_schema", ct: ct).ConfigureAwait(false);
        var values = new Dictionary<int, long>();
        var nulls = new Dictionary<int, long>();
        foreach (var row in meta.Rows)
        {
            if (schema.FindField(Convert.ToString(row[0], CultureInfo.InvariantCulture)!) is not { } f) continue;
            if (row[1] is not null) values[f.Id] = Convert.ToInt64(row[1] is System.Numerics.BigInteger b ? (long)b : row[1], CultureInfo.InvariantCulture);
            if (row[2] is not null) nulls[f.Id] = Convert.ToInt64(row[2] is System.Numerics.BigInteger b2 ? (long)b2 : row[2], CultureInfo.InvariantCulture);
        }
        return (values, nulls);
    }
}
