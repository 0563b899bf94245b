using System.IO.Compression;
using System.Runtime.CompilerServices;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.State;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>
/// CSV, JSON lines, Parquet and text (one record per line) files. Incremental by file: a file whose size, modification time and etag
/// match the committed marker is skipped, a new file is read whole, and of a file that changed only the rows appended
/// since are read (any other change fails the run: <see cref="FileChanges"/>, docs/ingestion.md).
/// </summary>
internal sealed class FileSource(LoadedJob job, string format, int batchRows = 65_536) : ISource
{
    public bool Incremental => !job.ReadsEverything && !job.ReplacesData;

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
        var todo = Incremental ? await FileChanges.PendingAsync(job, files, state, FormatOf, Gzipped, ct).ConfigureAwait(false) : files;
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
            var hash = f.Hash ?? new ContentHash();
            IAsyncEnumerable<RawBatch> batches = fmt switch
            {
                "csv" => ReadCsvAsync(f, hash, ct),
                // a JSON lines file's columns are known at its end: the key of a column may first appear in its last line
                "jsonl" => CheckedAtEndAsync(JsonLinesReader.ReadAsync(await OpenAsync(f, ct, hash).ConfigureAwait(false), f.Path, batchRows, ct, f.FirstLine), f.Path),
                "parquet" => CheckedAtStartAsync(ParquetFileReader.ReadAsync(f, batchRows, ct), f.Path),
                "text" => CheckedAtStartAsync(TextLinesReader.ReadAsync(await OpenAsync(f, ct, hash).ConfigureAwait(false), f.Path, job, batchRows, ct), f.Path),
                _ => throw new DativoException($"{f.Path}: unknown file format '{fmt}' (csv, jsonl, parquet or text)"),
            };
            await foreach (var b in batches.ConfigureAwait(false)) yield return b;
            state.Files[f.Path] = await MarkerAsync(f, hash, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The marker of a file read up to its listed size, with the hash of those bytes: taken while they were read, or read
    /// again (a Parquet file, the bulk path, a reader that stopped before the end).
    /// </summary>
    public static async Task<FileMarker> MarkerAsync(SourceFileRef f, ContentHash? read, CancellationToken ct)
    {
        string hash;
        if (f.Size == 0) hash = ContentHash.Empty; // empty, or a pipe: nothing to read again
        else if (read is not null && read.Bytes == f.Size) hash = read.Text;
        else
        {
            await using var s = await f.Store.OpenReadAsync(f.Key, ct).ConfigureAwait(false);
            hash = (await ContentHash.OfAsync(s, f.Size, ct).ConfigureAwait(false)).Text;
        }
        return new FileMarker(f.Object, f.Size, f.Modified, f.ETag, hash);
    }

    private SourceColumns Columns => _columns ??= new SourceColumns(job);
    private SourceColumns? _columns;

    /// <summary>Checks the columns of a file whose first batch has all of them (<see cref="SourceColumns"/>); warnings ride on the first batch with rows.</summary>
    private async IAsyncEnumerable<RawBatch> CheckedAtStartAsync(IAsyncEnumerable<RawBatch> batches, string path)
    {
        IReadOnlyList<Rejection>? notes = null;
        await foreach (var b in batches.ConfigureAwait(false))
        {
            notes ??= Columns.Check(b.Names, path, "columns", 0);
            if (notes.Count > 0 && b.Count > 0)
            {
                b.Notes = notes;
                notes = [];
            }
            yield return b;
        }
    }

    /// <summary>
    /// Checks the columns of a file once it has been read whole (JSON lines: a key may first appear in the last line). The
    /// last batch with rows is held back until then (these batches are not reused), so that a warning rides on it and an
    /// error comes before it. A file without any record is not checked: nothing of it loads.
    /// </summary>
    private async IAsyncEnumerable<RawBatch> CheckedAtEndAsync(IAsyncEnumerable<RawBatch> batches, string path)
    {
        RawBatch? held = null;
        IReadOnlyList<string> names = [];
        await foreach (var b in batches.ConfigureAwait(false))
        {
            names = b.PresentNames ?? b.Names;
            if (b.Count == 0) { yield return b; continue; }
            if (held is not null) yield return held;
            held = b;
        }
        if (held is null) yield break;
        held.Notes = Columns.Check(names, path, "keys (in any of its records)", 0);
        yield return held;
    }

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

    /// <summary>
    /// The file's bytes from <see cref="SourceFileRef.Offset"/> to its listed size (bytes appended while it is read are left
    /// to the next run), fed to <paramref name="hash"/>; decompressed when gzipped.
    /// </summary>
    public async Task<Stream> OpenAsync(SourceFileRef f, CancellationToken ct, ContentHash? hash = null)
    {
        var s = await f.Store.OpenReadAsync(f.Key, ct).ConfigureAwait(false);
        // size 0: empty, or a pipe (listed with size 0) to read whole
        Stream raw = f.Size == 0 ? s : await FileRangeStream.OpenAsync(s, f.Offset, f.Size, hash, ct).ConfigureAwait(false);
        return Gzipped(f) ? new GZipStream(raw, CompressionMode.Decompress) : raw;
    }

    private async IAsyncEnumerable<RawBatch> ReadCsvAsync(SourceFileRef f, ContentHash hash, [EnumeratorCancellation] CancellationToken ct)
    {
        var o = CsvOptions.For(job);
        using var invalid = new InvalidBytes(await OpenAsync(f, ct, hash).ConfigureAwait(false), o.Encoding);
        using var reader = new StreamReader(invalid.Stream, invalid.Encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var parser = new CsvParser(reader, o.Delimiter, o.Quote, firstLine: f.FirstLine);
        IReadOnlyList<string> names;
        if (!o.Header) names = [.. job.Contract.Fields.Select(x => x.Name)];
        else if (f.Offset == 0)
        {
            if (Header(f, o, parser, invalid) is not { } header) yield break;
            names = header;
        }
        else
        {
            // rows appended to a file read before: the header is at its start
            using var head = new InvalidBytes(await OpenAsync(f with { Offset = 0, Size = f.Offset }, ct).ConfigureAwait(false), o.Encoding);
            using var headReader = new StreamReader(head.Stream, head.Encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            if (Header(f, o, new CsvParser(headReader, o.Delimiter, o.Quote, 1 << 16), head) is not { } header) yield break;
            names = header;
        }
        var notes = o.Header ? Columns.Check(names, f.Path, "header", 1) : [];
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
                if (invalid.Pending && InvalidBytesIn(chars, mark, record, names, f.Path, parser.RecordLine, invalid) is { } bad)
                {
                    rejections.Add(bad);
                    chars.Truncate(mark);
                    continue;
                }
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
            yield return new RawBatch(names, cells, pos, n, f.Path)
            {
                Bytes = parser.CharsRead - startChars, SourceRejections = rejections, HasNul = chars.Span(0, chars.Length).Contains('\0'),
                Notes = n > 0 ? notes : [],
            };
            if (n > 0) notes = [];
            if (n < batchRows) yield break;
        }
    }

    /// <summary>The column names of a CSV header (null when the file has no record); bytes the encoding cannot decode fail the run.</summary>
    private static List<string>? Header(SourceFileRef f, CsvOptions o, CsvParser parser, InvalidBytes invalid)
    {
        var fields = new List<string>();
        if (!parser.ReadRecord(fields, [])) return null;
        if (invalid.Pending && fields.Any(x => x.Contains(InvalidBytes.Marker, StringComparison.Ordinal)))
            throw new DativoException($"{f.Path}: the header has {invalid.Describe(fields.Sum(x => x.Count(c => c == InvalidBytes.Marker)))}: " +
                $"save the file as {o.Encoding.WebName} or set source.options.encoding to its encoding");
        return [.. fields.Select((n, i) => n.Trim().Length == 0 ? $"column_{i + 1}" : n.Trim())];
    }

    /// <summary>
    /// The rejection of a record holding bytes the encoding could not decode (in both modes: its text is not known, as
    /// for a line that is not JSON), naming the first field with such bytes; null when it has none.
    /// </summary>
    private static Rejection? InvalidBytesIn(CharBuffer chars, int mark, List<CsvField> record, IReadOnlyList<string> names, string path, long line, InvalidBytes invalid)
    {
        var count = chars.Span(mark, chars.Length - mark).Count(InvalidBytes.Marker);
        if (count == 0) return null;
        var at = record.FindIndex(x => chars.Span(x.Start, x.Length).Contains(InvalidBytes.Marker));
        var field = at >= 0 && at < names.Count ? names[at] : "";
        var shown = at >= 0 ? invalid.Show(chars.Span(record[at].Start, record[at].Length), 200) + "; " : "";
        return new Rejection(path, line, field, Rejection.InvalidEncoding, shown + invalid.Describe(count), false);
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
