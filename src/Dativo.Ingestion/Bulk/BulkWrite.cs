using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Sources.Files;
using Dativo.Ingestion.Targets;
using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Manifests;

namespace Dativo.Ingestion.Bulk;

/// <summary>Writes one source file's query into the table's data files (not committed), or says why the row path takes it.</summary>
internal static class BulkWrite
{
    /// <summary>From this size on, each DuckDB thread writes its own data files (~15 % faster; small loads stay one file).</summary>
    private const long FilePerThreadBytes = 64L << 20;

    public static async Task<BulkAttempt> FileAsync(DuckDbEngine engine, IcebergTarget target, SourceFileRef file, string query, DateOnly ingestDate, CancellationToken ct)
    {
        var constants = target.Schema.Columns.Where(c => c.Generated)
            .ToDictionary(c => c.Name, c => c.Name == Partitioning.IngestDate ? (object?)ingestDate : null, StringComparer.Ordinal);
        try
        {
            var files = await DuckDbDataFiles.TryWriteAsync(engine, target.Table, query, constants, target.WriteOptions, file.Size >= FilePerThreadBytes, ct).ConfigureAwait(false);
            return files is null ? new(null, "the table is not local or not partitioned by ingest_date only")
                : new(new BulkFile(file, files, files.Sum(f => f.RecordCount)), null);
        }
        catch (DativoException e)
        {
            // a value the bulk path cannot take exactly (BulkFallback), or any other DuckDB error; its partial output was removed
            return new(null, BulkFallback.Reason(e.Message));
        }
    }

    /// <summary>Deletes the data files of a load that is not taken after all (they were never committed), and their folder.</summary>
    public static void Discard(IcebergTarget target, BulkFile loaded)
    {
        foreach (var f in loaded.DataFiles)
        {
            if (target.Table.IO.LocalPath(f.FilePath) is not { } path) continue;
            File.Delete(path);
            var folder = Path.GetDirectoryName(path)!;
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
    }
}

/// <summary>The outcome for one file: loaded, or the reason it goes through the row path.</summary>
internal sealed record BulkAttempt(BulkFile? Loaded, string? RowPathReason);

/// <summary>A source file loaded by the bulk path: its data files (not yet committed) and row count.</summary>
internal sealed record BulkFile(SourceFileRef Source, IReadOnlyList<DataFile> DataFiles, long Rows);
