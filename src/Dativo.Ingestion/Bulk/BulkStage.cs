using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Running;
using Dativo.Ingestion.Sources;
using Dativo.Ingestion.Sources.Files;
using Dativo.Ingestion.State;
using Dativo.Ingestion.Targets;
using Dativo.Lake.Engine;

namespace Dativo.Ingestion.Bulk;

/// <summary>
/// The first stage of a file job: every pending CSV or Parquet file the bulk path can take is loaded by DuckDB and marked done
/// (in the run's state and for the row path, which reads the rest). Nothing is committed here.
/// </summary>
internal static class BulkStage
{
    public static async Task<BulkSummary> RunAsync(LoadedJob job, RunOptions o, ISource source, ITableTarget target,
        SourceState state, DateOnly ingestDate, CancellationToken ct)
    {
        // DATIVO_BULK_LOAD=0 switches the bulk path off (docs/ingestion.md "Bulk path")
        if (o.Env("DATIVO_BULK_LOAD") is "0" or "off" or "false" || source is not FileSource files || target is not IcebergTarget iceberg) return BulkSummary.None;
        CsvOptions? csv = null;
        try { csv = CsvOptions.For(job); }
        catch (DativoException) { } // the row path reports bad options
        var csvApplies = csv is not null && CsvBulkLoader.Applies(target, csv);
        var parquetApplies = ParquetBulkLoader.Applies(target);
        if (!csvApplies && !parquetApplies) return BulkSummary.None;
        var pending = (await files.PendingAsync(state, ct).ConfigureAwait(false))
            // size 0: empty, or a pipe to read once; an offset: rows appended to a file read before, for the row path
            .Where(f => f.Size > 0 && f.Offset == 0 && File.Exists(f.Path)
                        && files.FormatOf(f) switch { "csv" => csvApplies, "parquet" => parquetApplies, _ => false })
            .ToList();
        if (pending.Count == 0) return BulkSummary.None;

        await using var engine = await DuckDbEngine.OpenAsync(ct: ct).ConfigureAwait(false);
        // row order within a load carries no meaning: DuckDB may write in parallel without buffering to keep it
        await engine.ExecuteAsync("SET preserve_insertion_order = false", ct: ct).ConfigureAwait(false);
        var csvLoader = new CsvBulkLoader(job, iceberg, files, ingestDate);
        var parquetLoader = new ParquetBulkLoader(job, iceberg, ingestDate);
        long rows = 0, bytes = 0;
        var loadedFiles = 0;
        var rowPath = new List<string>();
        foreach (var f in pending)
        {
            var attempt = files.FormatOf(f) == "csv"
                ? await csvLoader.TryLoadAsync(engine, f, csv!, ct).ConfigureAwait(false)
                : await parquetLoader.TryLoadAsync(engine, f, ct).ConfigureAwait(false);
            if (attempt.Loaded is not { } loaded)
            {
                rowPath.Add($"{f.Path}: {attempt.RowPathReason}");
                continue;
            }
            loadedFiles++;
            iceberg.AddFiles(loaded.DataFiles);
            files.Skip.Add(f.Path);
            state.Files[f.Path] = await FileSource.MarkerAsync(f, null, ct).ConfigureAwait(false);
            rows += loaded.Rows;
            bytes += f.Size;
            o.Progress?.Report(job.Name, rows, rows, bytes, files.BytesSelected);
        }
        return new BulkSummary(loadedFiles, rows, bytes, rowPath);
    }
}

/// <summary>What the bulk stage loaded, and why the other CSV files went through the row path.</summary>
public sealed record BulkSummary(int Files, long Rows, long Bytes, IReadOnlyList<string> RowPathReasons)
{
    public static BulkSummary None { get; } = new(0, 0, 0, []);
}
