using System.Globalization;
using System.IO.Compression;
using System.Text;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Sources.Normalization;

/// <summary>What became of one source file: the gzip objects it gave, or why it was set aside.</summary>
internal sealed record NormalizedFile(string SourceKey, IReadOnlyList<string> Outputs, string? Unsupported);

/// <summary>
/// Turns a day's raw files into gzip text files a <c>format: text</c> job reads line by line, one reader per file so a
/// file's line order is kept: <c>.gz</c> is copied as is (after checking it is gzip), every file entry of a <c>.zip</c> is
/// gzipped on its own, <c>.json</c>, <c>.jsonl</c>, <c>.ndjson</c>, <c>.txt</c>, <c>.csv</c>, <c>.log</c> and names without an
/// extension are gzipped. Anything else — and a <c>.gz</c> or <c>.zip</c> that is not what it says — is unsupported: the
/// caller quarantines it and the other files still load. Output names are built from the position of the file (and of the
/// entry) plus a sanitised copy of its name: a zip entry's name is data and never becomes a path (no folder, no <c>..</c>).
/// </summary>
internal static class GzipNormalizer
{
    private static readonly string[] TextExtensions = [".json", ".jsonl", ".ndjson", ".txt", ".text", ".csv", ".tsv", ".log", ""];

    /// <summary>
    /// Normalises each object of <paramref name="keys"/> (in <paramref name="source"/>) into <paramref name="target"/> under
    /// <paramref name="targetPrefix"/> (ending in '/'). Output names sort in the order of <paramref name="keys"/>.
    /// </summary>
    public static async Task<List<NormalizedFile>> NormalizeAsync(IObjectStore source, IReadOnlyList<string> keys, IObjectStore target, string targetPrefix, CancellationToken ct)
    {
        var result = new List<NormalizedFile>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            var stem = $"{targetPrefix}{i:D5}-{SafeName(FileName(key))}";
            var ext = Extension(key);
            try
            {
                if (ext == ".gz") result.Add(await CopyGzipAsync(source, key, target, stem, ct).ConfigureAwait(false));
                else if (ext == ".zip") result.Add(await UnzipAsync(source, key, target, stem, ct).ConfigureAwait(false));
                else if (TextExtensions.Contains(ext)) result.Add(new NormalizedFile(key, [await GzipAsync(source, key, target, stem + ".gz", ct).ConfigureAwait(false)], null));
                else result.Add(new NormalizedFile(key, [], $"unsupported file type '{ext}' (supported: .gz, .zip, {string.Join(", ", TextExtensions.Where(e => e.Length > 0))} or no extension)"));
            }
            catch (InvalidDataException e)
            {
                result.Add(new NormalizedFile(key, [], $"not a valid {ext.TrimStart('.')} file: {e.Message}"));
            }
        }
        return result;
    }

    private static async Task<NormalizedFile> CopyGzipAsync(IObjectStore source, string key, IObjectStore target, string stem, CancellationToken ct)
    {
        // a .gz is kept as it is, but must be gzip: the job would fail on it otherwise
        await using (var head = await source.OpenReadAsync(key, ct).ConfigureAwait(false))
        {
            var magic = new byte[2];
            if (await head.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, ct).ConfigureAwait(false) < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
                throw new InvalidDataException("it does not start with the gzip signature 1f 8b");
        }
        await using var input = await source.OpenReadAsync(key, ct).ConfigureAwait(false);
        var name = stem.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? stem : stem + ".gz";
        await target.PutAsync(name, input, ct).ConfigureAwait(false);
        return new NormalizedFile(key, [name], null);
    }

    private static async Task<string> GzipAsync(IObjectStore source, string key, IObjectStore target, string name, CancellationToken ct)
    {
        await using var input = await source.OpenReadAsync(key, ct).ConfigureAwait(false);
        await WriteGzipAsync(input, target, name, ct).ConfigureAwait(false);
        return name;
    }

    private static async Task<NormalizedFile> UnzipAsync(IObjectStore source, string key, IObjectStore target, string stem, CancellationToken ct)
    {
        // ZipArchive needs a seekable stream: a day's files are copied to a temporary file first (S3 streams are not seekable)
        var temp = Path.GetTempFileName();
        try
        {
            await using (var input = await source.OpenReadAsync(key, ct).ConfigureAwait(false))
            await using (var file = File.Create(temp))
                await input.CopyToAsync(file, ct).ConfigureAwait(false);
            await using var zipStream = File.OpenRead(temp);
            using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read);
            var outputs = new List<string>();
            var skipped = new List<string>();
            var n = 0;
            foreach (var entry in zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\')) continue; // a folder
                var entryName = FileName(entry.FullName.Replace('\\', '/'));
                var entryExt = Extension(entryName);
                var name = $"{stem}-{++n:D4}-{SafeName(entryName)}";
                await using var data = entry.Open();
                if (entryExt == ".gz")
                {
                    await target.PutAsync(name, data, ct).ConfigureAwait(false);
                    outputs.Add(name);
                }
                else if (TextExtensions.Contains(entryExt))
                {
                    await WriteGzipAsync(data, target, name + ".gz", ct).ConfigureAwait(false);
                    outputs.Add(name + ".gz");
                }
                else skipped.Add(entry.FullName);
            }
            if (outputs.Count == 0)
                return new NormalizedFile(key, [], skipped.Count == 0 ? "the zip file holds no files" : $"the zip file holds no supported entry ({Shown(skipped)})");
            return new NormalizedFile(key, outputs, skipped.Count == 0 ? null : $"zip entries of unsupported type left out: {Shown(skipped)}");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task WriteGzipAsync(Stream input, IObjectStore target, string name, CancellationToken ct)
    {
        await using var writer = await target.OpenWriteAsync(name, ct).ConfigureAwait(false);
        await using (var gz = new GZipStream(writer.Stream, CompressionLevel.Fastest, leaveOpen: true))
            await input.CopyToAsync(gz, ct).ConfigureAwait(false);
        await writer.CommitAsync(ct).ConfigureAwait(false);
    }

    private static string FileName(string key) => key[(key.LastIndexOf('/') + 1)..];

    private static string Extension(string key) => Path.GetExtension(FileName(key)).ToLowerInvariant();

    /// <summary>One file-name segment made of letters, digits, '.', '-' and '_' only, never starting with '.' and at most 100 characters.</summary>
    internal static string SafeName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        var s = sb.ToString().TrimStart('.');
        if (s.Length > 100) s = s[^100..];
        return s.Length == 0 ? "file" : s;
    }

    private static string Shown(List<string> names) =>
        string.Join(", ", names.Take(5).Select(n => "'" + (n.Length > 80 ? n[..80] + "…" : n) + "'")) + (names.Count > 5 ? string.Create(CultureInfo.InvariantCulture, $" and {names.Count - 5} more") : "");
}
