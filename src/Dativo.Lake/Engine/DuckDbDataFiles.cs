using System.Globalization;
using Dativo.Lake.Iceberg.Data;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage.Local;

namespace Dativo.Lake.Engine;

/// <summary>
/// The fast write path for local tables: DuckDB writes a query's rows straight into Parquet data files of an Iceberg
/// table (zstd, every column tagged with its Iceberg field id, values cast to the table's types, constant columns such
/// as a run date added), and the caller commits them. No row passes through .NET, so a 10 M-row result costs what
/// DuckDB's own COPY costs. Metrics (counts, sizes, bounds, split offsets) come from the files' Parquet footers.
/// </summary>
public static class DuckDbDataFiles
{
    /// <summary>
    /// Writes the rows of <paramref name="query"/> (a column per non-constant table column, by name) as data files of
    /// <paramref name="table"/>, split at about <paramref name="options"/>' target file size, in its codec. Returns null when this path does not
    /// apply: the table is not on a local path, or its partition spec depends on more than the <paramref name="constants"/>
    /// (column name → value, the same for every row). Nothing is visible until the caller commits the files.
    /// <paramref name="filePerThread"/> lets every DuckDB thread write its own files (faster for large inputs, but at
    /// least one file per thread).
    /// </summary>
    public static async Task<IReadOnlyList<DataFile>?> TryWriteAsync(DuckDbEngine engine, IcebergTable table, string query,
        IReadOnlyDictionary<string, object?> constants, WriteOptions options, bool filePerThread, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        var schema = table.Schema;
        var spec = table.Spec;
        if (schema.Columns.Any(c => c.Type is not PrimitiveType)) return null;
        if (spec.Fields.Any(f => schema.FindField(f.SourceId) is not { } src || !constants.ContainsKey(src.Name))) return null;
        var partition = PartitionOf(table, constants);
        // a fresh folder per write: DuckDB numbers the files it splits off, and nothing else is ever in there
        var folder = $"{table.IO.KeyOf(table.Location)}/{(spec.Fields.Count == 0 ? "data" : "data/" + spec.PartitionPath(schema, partition))}/{Guid.NewGuid():N}";
        if (table.IO.LocalPath(table.IO.UriOf(folder + "/x")) is not { } probe) return null; // object stores: the RecordBatch path
        var localFolder = Path.GetDirectoryName(probe)!;

        var names = ParquetSchemas.ColumnNames(schema);
        var projection = schema.Columns.Select((c, i) => constants.TryGetValue(c.Name, out var v)
            ? $"{(v is null ? "NULL" : DuckDbTypes.Literal((PrimitiveType)c.Type, Conversions.Normalize((PrimitiveType)c.Type, v)!))}::{DuckDbTypes.TypeName(c.Type)} AS {SqlText.Identifier(names[i])}"
            : $"CAST(q.{SqlText.Identifier(c.Name)} AS {DuckDbTypes.TypeName(c.Type)}) AS {SqlText.Identifier(names[i])}");
        var fieldIds = string.Join(", ", schema.Columns.Select((c, i) => $"{SqlText.Literal(names[i])}: {c.Id.ToString(CultureInfo.InvariantCulture)}"));
        // DuckDB writes every column OPTIONAL (and wide decimals in 16 bytes, fixed as binary): such files are rewritten
        // through the lake's own writer from a staging folder; the others get the footer's iceberg.schema from DuckDB
        var rewrite = NeedsRewrite(schema);
        var duckFolder = rewrite ? Path.Combine(localFolder, ".duckdb") : localFolder;
        var schemaJson = TypeJson.SchemaToJson(schema).ToJsonString();
        DirectorySync.CreateDurably(Path.GetDirectoryName(localFolder)!);
        if (rewrite) Directory.CreateDirectory(localFolder); // DuckDB creates only the last folder of the path
        var written = new List<string>();
        try
        {
            var copySql =
                $"COPY (SELECT {string.Join(", ", projection)} FROM (\n{query}\n) AS q) TO {SqlText.Literal(duckFolder)} " +
                $"(FORMAT parquet, {CompressionClause(options.Compression)}, DICTIONARY_SIZE_LIMIT 0, FIELD_IDS {{{fieldIds}}}, " +
                (rewrite ? "" : $"KV_METADATA {{'iceberg.schema': {SqlText.Literal(schemaJson)}}}, ") +
                $"FILE_SIZE_BYTES {Math.Max(1 << 20, options.TargetFileSizeBytes).ToString(CultureInfo.InvariantCulture)}, " +
                $"{(filePerThread ? "PER_THREAD_OUTPUT true, " : "")}RETURN_FILES true)";
            var result = await engine.QueryAsync(copySql, ct: ct).ConfigureAwait(false);
            if (result.Rows.Count > 0 && result.Rows[0][^1] is System.Collections.IEnumerable files)
                foreach (var f in files) if (f is string s) written.Add(s);
            if (!rewrite) SyncWritten(written, localFolder);
            var data = new List<(string Path, string Key, DataFile File)>();
            foreach (var path in written)
            {
                var key = $"{folder}/{Path.GetFileName(path)}";
                var file = await DuckDbParquetMetrics.DescribeAsync(engine, path, table.IO.UriOf(key), schema, ct).ConfigureAwait(false);
                if (file.RecordCount == 0) File.Delete(path);
                else data.Add((path, key, file with { SpecId = spec.SpecId, Partition = partition }));
            }
            if (!rewrite) return [.. data.Select(d => d.File)];
            var rewritten = new DataFile[data.Count];
            // one file per core at a time (DuckDB wrote one per thread for large inputs)
            await Parallel.ForAsync(0, data.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, async (i, token) =>
            {
                var (path, key, file) = data[i];
                // the values are DuckDB's: counts and bounds from its footer; sizes and offsets of the file we write
                var ours = await RewriteAsync(table, path, key, schema, options, token).ConfigureAwait(false);
                rewritten[i] = file with { FileSizeInBytes = ours.FileSizeInBytes, ColumnSizes = ours.ColumnSizes, SplitOffsets = ours.SplitOffsets };
                File.Delete(path);
            }).ConfigureAwait(false);
            if (Directory.Exists(duckFolder)) Directory.Delete(duckFolder, recursive: true);
            // the store synced the folder after each rename; once more after the last of the parallel renames and the
            // staging folder's removal, so the folder's final state is durable before the commit references it
            DirectorySync.Flush(localFolder);
            return rewritten;
        }
        catch
        {
            if (Directory.Exists(localFolder)) Directory.Delete(localFolder, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Whether DuckDB's file would differ from what the spec asks and the lake's own writer (like Java) writes: a
    /// required column (DuckDB 1.5 writes every column OPTIONAL, whatever NOT NULL says), a decimal DuckDB stores in
    /// 16 bytes where fewer hold its precision, or a fixed column (DuckDB stores it as binary).
    /// </summary>
    internal static bool NeedsRewrite(IcebergSchema schema) => schema.Columns.Any(c => c.Required || c.Type is PrimitiveType
    {
        Id: TypeId.Fixed,
    } || c.Type is PrimitiveType { Id: TypeId.Decimal, Precision: > 18 } p && ParquetSchemas.DecimalBytes(p.Precision) != 16);

    /// <summary>DuckDB's file at <paramref name="path"/> rewritten, row group by row group, as the table's data file <paramref name="key"/>.</summary>
    private static async Task<DataFile> RewriteAsync(IcebergTable table, string path, string key, IcebergSchema schema, WriteOptions options, CancellationToken ct)
    {
        using var source = new ParquetSharp.ParquetFileReader(path);
        await using var writer = await ParquetFileWriter.CreateAsync(table.IO.Store, key, schema, options, ct).ConfigureAwait(false);
        for (var g = 0; g < source.FileMetaData.NumRowGroups; g++)
            await writer.CopyRowGroupAsync(source, g, ct).ConfigureAwait(false);
        return await writer.CompleteAsync(table.IO.UriOf(key), ct).ConfigureAwait(false);
    }

    // Plain encoding (no dictionary), like the lake's own writer: with zstd the files come out no larger and DuckDB
    // spends ~25 % less CPU writing them. zstd at level 2: on the ingestion bench's data smaller files than DuckDB's
    // default level 3 at level 1's speed (bench/ingestion/README.md)
    private static string CompressionClause(ParquetSharp.Compression c) => "COMPRESSION " + c switch
    {
        ParquetSharp.Compression.Uncompressed => "uncompressed",
        ParquetSharp.Compression.Snappy => "snappy",
        ParquetSharp.Compression.Gzip => "gzip",
        ParquetSharp.Compression.Brotli => "brotli",
        ParquetSharp.Compression.Lz4 => "lz4_raw",
        _ => "zstd, COMPRESSION_LEVEL 2",
    };

    // the caller commits these files next: their bytes and their names must survive a power loss first (DuckDB
    // writes them in place, without the temp-file-and-rename of the object store)
    private static void SyncWritten(IEnumerable<string> files, string folder)
    {
        foreach (var path in files)
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            RandomAccess.FlushToDisk(handle);
        }
        if (!Directory.Exists(folder)) return; // nothing written
        DirectorySync.Flush(folder);
        DirectorySync.Flush(Path.GetDirectoryName(folder)!);
    }

    /// <summary>LakeSql's write: the query's rows replace the run date's partition (or the whole unpartitioned table).</summary>
    internal static async Task<CommitResult?> TryReplaceAsync(DuckDbEngine engine, IcebergTable table, string query, DateOnly? runDate, TimeProvider time, CancellationToken ct)
    {
        var constants = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (runDate is { } d && table.Schema.FindField(LakeSql.RunDateColumn) is not null) constants[LakeSql.RunDateColumn] = d;
        var options = WriteOptions.FromProperties(table.Metadata.Properties) with { TargetFileSizeBytes = long.MaxValue };
        var added = await TryWriteAsync(engine, table, query, constants, options, filePerThread: false, ct).ConfigureAwait(false);
        if (added is null) return null;
        var spec = table.Spec;
        var probe = new DataFile { FilePath = "", SpecId = spec.SpecId, Partition = PartitionOf(table, constants) };
        return await table.CommitSnapshotAsync(new SnapshotProducer(table.IO, table.IO.KeyOf(table.Location), time)
        {
            Operation = Operations.Overwrite,
            AddedData = added,
            ExtraSummary = new Dictionary<string, string> { ["replace-partitions"] = "true" },
            Plan = (baseMeta, live, attempt, token) =>
            {
                var remove = live.Where(x => spec.IsUnpartitioned || Evaluators.SamePartition(probe, x.Entry.File))
                    .Select(x => x.Entry.File.FilePath).ToHashSet(StringComparer.Ordinal);
                return Task.FromResult(new AttemptChanges(remove, [], []));
            },
        }, ct).ConfigureAwait(false);
    }

    /// <summary>The partition tuple of rows whose partition sources are all among <paramref name="constants"/>.</summary>
    private static object?[] PartitionOf(IcebergTable table, IReadOnlyDictionary<string, object?> constants) =>
        [.. table.Spec.Fields.Select(f =>
        {
            var type = PartitionSpec.SourceType(table.Schema, f);
            return f.Transform.Apply(type, Conversions.Normalize(type, constants[table.Schema.FindField(f.SourceId)!.Name]));
        })];
}
