using System.IO.Compression;
using System.Runtime.CompilerServices;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.State;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>
/// CSV, JSON lines and Parquet files. Incremental by file: a file whose size, modification time and etag
/// match the committed marker is skipped; a new or changed file is read whole (see docs/ingestion.md).
/// </summary>
internal sealed class FileSource(LoadedJob job, string format, int batchRows = 65_536) : ISource
{
    public bool Incremental => job.IncrementalStrategy is not ("none" or "full" or "full_refresh") && !job.ReplacesData;

    /// <summary>Files listed before reading (for progress and the summary).</summary>
    public int FilesSelected { get; private set; }
    public long BytesSelected { get; private set; }

    /// <summary>Files already loaded by another path in this run (the bulk path); not read again.</summary>
    public HashSet<string> Skip { get; } = new(StringComparer.Ordinal);

    private List<SourceFileRef>? _pending;

    /// <summary>The files this run has to read: all of them, or (incremental) those new or changed since the committed state.</summary>
    public async Task<List<SourceFileRef>> PendingAsync(SourceState state, CancellationToken ct)
    {
        if (_pending is not null) return _pending;
        var files = await FileListing.ListAsync(job, ct).ConfigureAwait(false);
        var todo = files.Where(f => !Incremental || !Unchanged(state, f)).ToList();
        FilesSelected = todo.Count;
        BytesSelected = todo.Sum(f => f.Size);
        return _pending = todo;
    }

    public async IAsyncEnumerable<RawBatch> ReadAsync(SourceState state, [EnumeratorCancellation] CancellationToken ct)
    {
        var todo = await PendingAsync(state, ct).ConfigureAwait(false);
        foreach (var f in todo.Where(f => !Skip.Contains(f.Path)))
        {
            var fmt = FormatOf(f);
            IAsyncEnumerable<RawBatch> batches = fmt switch
            {
                "csv" => ReadCsvAsync(f, ct),
                "jsonl" => JsonLinesReader.ReadAsync(await OpenAsync(f, ct).ConfigureAwait(false), f.Path, batchRows, ct),
                "parquet" => ParquetFileReader.ReadAsync(f, batchRows, ct),
                _ => throw new DativoException($"{f.Path}: unknown file format '{fmt}' (csv, jsonl or parquet)"),
            };
            await foreach (var b in batches.ConfigureAwait(false)) yield return b;
            state.Files[f.Path] = new FileMarker(f.Object, f.Size, f.Modified, f.ETag);
        }
    }

    private static bool Unchanged(SourceState state, SourceFileRef f) =>
        state.Files.TryGetValue(f.Path, out var m) && m.Size == f.Size && m.Modified == f.Modified && m.ETag == f.ETag;

    public string FormatOf(SourceFileRef f)
    {
        var fmt = f.Format ?? job.Config.Source.Type ?? format;
        if (fmt is "s3" or "file")
        {
            var name = f.Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? f.Path[..^3] : f.Path;
            fmt = Path.GetExtension(name).TrimStart('.').ToLowerInvariant();
        }
        return fmt switch { "ndjson" or "json" or "jsonlines" => "jsonl", "tsv" => "csv", _ => fmt };
    }

    public bool Gzipped(SourceFileRef f) => f.Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || job.Config.Source.Options?.Compression is "gzip";

    public async Task<Stream> OpenAsync(SourceFileRef f, CancellationToken ct)
    {
        var s = await f.Store.OpenReadAsync(f.Key, ct).ConfigureAwait(false);
        return Gzipped(f) ? new GZipStream(s, CompressionMode.Decompress) : s;
    }

    private async IAsyncEnumerable<RawBatch> ReadCsvAsync(SourceFileRef f, [EnumeratorCancellation] CancellationToken ct)
    {
        var o = CsvOptions.For(job);
        await using var stream = await OpenAsync(f, ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream, o.Encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var parser = new CsvParser(reader, o.Delimiter, o.Quote);
        var fields = new List<string>();
        var quoted = new List<bool>();
        IReadOnlyList<string> names;
        if (o.Header)
        {
            if (!parser.ReadRecord(fields, quoted)) yield break;
            names = [.. fields.Select((n, i) => n.Trim().Length == 0 ? $"column_{i + 1}" : n.Trim())];
        }
        else names = [.. job.Contract.Fields.Select(x => x.Name)];
        var width = names.Count;
        var markers = o.NullValues.Where(v => v.Length > 0).ToArray();
        var emptyIsNull = o.NullValues.Contains("");
        var record = new List<CsvField>(width);
        // one set of buffers for the whole file: a CSV batch is valid until the next one is requested (see ISource)
        var chars = new CharBuffer(1 << 20);
        var cells = new TextCells(width, batchRows, chars);
        var pos = new long[batchRows];
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            chars.Truncate(0);
            var n = 0;
            var rejections = new List<Rejection>();
            var startChars = parser.CharsRead;
            while (n < batchRows)
            {
                var mark = chars.Length;
                if (!parser.ReadRecord(chars, record)) break;
                if (record.Count != width)
                {
                    if (!(record.Count == 1 && record[0].Length == 0))
                        rejections.Add(new Rejection(f.Path, parser.RecordLine, "", "wrong_field_count", $"{record.Count} fields, header has {width}", false));
                    chars.Truncate(mark);
                    continue;
                }
                for (var c = 0; c < width; c++)
                {
                    var fld = record[c];
                    cells.Start[c][n] = fld.Start;
                    cells.Length[c][n] = !fld.Quoted && IsNull(chars.Span(fld.Start, fld.Length), emptyIsNull, markers) ? -1 : fld.Length;
                }
                pos[n++] = parser.RecordLine;
            }
            if (n == 0 && rejections.Count == 0) yield break;
            yield return new RawBatch(names, cells, pos, n, f.Path) { Bytes = parser.CharsRead - startChars, SourceRejections = rejections };
            if (n < batchRows) yield break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsNull(ReadOnlySpan<char> v, bool emptyIsNull, string[] markers)
    {
        if (v.Length == 0) return emptyIsNull;
        foreach (var m in markers)
            if (v.Length == m.Length && v.SequenceEqual(m)) return true;
        return false;
    }
}
