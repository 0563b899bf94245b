using System.Text;
using Dativo.Core.Config.Jobs;
using Dativo.Ingestion.Schema;
using Dativo.Ingestion.Sources.Files;
using Dativo.Ingestion.Targets;
using Dativo.Lake.Engine;

namespace Dativo.Ingestion.Bulk;

/// <summary>
/// The bulk path for CSV files into a local Iceberg table: DuckDB reads a whole file on all cores, coerces it with
/// <see cref="CsvColumnSql"/> and writes the table's Parquet data files, which the runner commits together with the
/// row path's files and the new state. A file the bulk path cannot take exactly (a value in a form DuckDB would read
/// differently, a bad record, invalid UTF-8) is left to the row path, which applies the full rules and quarantines
/// what it rejects; the result is the same either way, only slower.
/// </summary>
internal sealed class CsvBulkLoader(LoadedJob job, IcebergTarget target, FileSource source, DateOnly ingestDate)
{
    private readonly Records.SourceColumns _columns = new(job);

    /// <summary>Whether the job can use the bulk path at all (per file, <see cref="TryLoadAsync"/> decides the rest).</summary>
    public static bool Applies(ITableTarget target, CsvOptions options) =>
        target is IcebergTarget
        && options.Encoding is UTF8Encoding
        && options.Quote < 0x80 && options.Delimiter < 0x80 // the record count below scans bytes
        && target.Schema.Columns.All(c => c.Generated || CsvColumnSql.Supports(c.Kind));

    /// <summary>Loads <paramref name="file"/>, or says why it has to go through the row path (nothing of it is kept then).</summary>
    public async Task<BulkAttempt> TryLoadAsync(DuckDbEngine engine, SourceFileRef file, CsvOptions options, CancellationToken ct)
    {
        var names = await HeaderAsync(file, options, ct).ConfigureAwait(false);
        if (names is null) return new(null, "empty file or byte order mark");
        // the same checks as the row path, with the same errors; its warnings (warn mode) are recorded there
        if (options.Header && _columns.Check(names, file.Path, "header", 1).Count > 0) return new(null, "a contract column is missing from the header");
        var query = Query(file, options, names);
        if (query is null) return new(null, "a required column is missing");
        // counted (and searched for NUL bytes) while DuckDB loads: a second reader of the same, cached bytes
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var counting = Task.Run(async () =>
        {
            await using var stream = await source.OpenAsync(file, stop.Token).ConfigureAwait(false);
            return await CsvRecordCount.CountAsync(stream, (byte)options.Quote, options.Header, stop.Token).ConfigureAwait(false);
        }, stop.Token);
        BulkAttempt attempt;
        try
        {
            attempt = await BulkWrite.FileAsync(engine, target, file, query, ingestDate, ct).ConfigureAwait(false);
        }
        catch
        {
            await StopAsync(stop, counting).ConfigureAwait(false);
            throw;
        }
        if (attempt.Loaded is not { } loaded)
        {
            await StopAsync(stop, counting).ConfigureAwait(false);
            return attempt;
        }
        var (records, hasNul) = await counting.ConfigureAwait(false);
        if (loaded.Rows == records && !hasNul) return attempt;
        BulkWrite.Discard(target, loaded);
        return new(null, hasNul ? "a NUL character (DuckDB keeps it, the row path refuses it)"
            : $"DuckDB read {loaded.Rows} of the file's {records} records (it loses a record longer than its read buffer)");
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task counting)
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try { await counting.ConfigureAwait(false); }
        catch (Exception e) when (e is OperationCanceledException or IOException) { /* the count is not needed any more */ }
    }

    /// <summary>Column names as the row path sees them (header row, or the contract's fields); null when unreadable.</summary>
    private async Task<IReadOnlyList<string>?> HeaderAsync(SourceFileRef file, CsvOptions o, CancellationToken ct)
    {
        bool hasBom;
        await using (var head = await source.OpenAsync(file, ct).ConfigureAwait(false))
        {
            var bom = new byte[3];
            var n = await head.ReadAtLeastAsync(bom, 3, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            hasBom = n == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF;
        }
        // DuckDB would keep a byte order mark in the first value: such files take the row path
        if (hasBom) return null;
        if (!o.Header) return [.. job.Contract.Fields.Select(f => f.Name)];
        await using var stream = await source.OpenAsync(file, ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream, o.Encoding, false, 1 << 12);
        var parser = new CsvParser(reader, o.Delimiter, o.Quote, 1 << 12);
        var fields = new List<string>();
        var quoted = new List<bool>();
        if (!parser.ReadRecord(fields, quoted)) return null;
        return [.. fields.Select((x, i) => x.Trim().Length == 0 ? $"column_{i + 1}" : x.Trim())];
    }

    private string? Query(SourceFileRef file, CsvOptions o, IReadOnlyList<string> names)
    {
        var raw = new List<string>();
        var final = new List<string>();
        foreach (var col in target.Schema.Columns.Where(c => !c.Generated))
        {
            var src = Records.Coercer.SourceIndex(names, col.Name);
            if (src < 0)
            {
                if (col.ContractRequired) return null; // every record would be rejected: the row path reports them
                final.Add($"NULL AS {SqlText.Identifier(col.Name)}");
                continue;
            }
            var rawName = $"c{src}";
            var parsedName = $"p{col.FieldId}";
            if (CsvColumnSql.Parse(col, rawName) is { } parse) raw.Add($"{parse} AS {parsedName}");
            final.Add($"{CsvColumnSql.Value(col, rawName, parsedName)} AS {SqlText.Identifier(col.Name)}");
        }
        var columns = string.Join(", ", names.Select((_, i) => $"'c{i}': 'VARCHAR'"));
        var nulls = o.NullValues.Count == 0 ? "['\u0001']" : "[" + string.Join(", ", o.NullValues.Select(SqlText.Literal)) + "]";
        var read = $"read_csv({SqlText.Literal(file.Path)}, auto_detect = false, header = {(o.Header ? "true" : "false")}, " +
            $"delim = {SqlText.Literal(o.Delimiter.ToString())}, quote = {SqlText.Literal(o.Quote.ToString())}, escape = {SqlText.Literal(o.Quote.ToString())}, " +
            $"nullstr = {nulls}, allow_quoted_nulls = false, strict_mode = true, compression = {(source.Gzipped(file) ? "'gzip'" : "'none'")}, " +
            $"columns = {{{columns}}})";
        var inner = string.Join(", ", names.Select((_, i) => $"c{i}").Concat(raw));
        return $"SELECT {string.Join(", ", final)} FROM (SELECT {inner} FROM {read})";
    }
}
