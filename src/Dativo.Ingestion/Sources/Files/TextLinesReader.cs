using System.Runtime.CompilerServices;
using System.Text;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Records;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>
/// <c>format: text</c>: every line (LF, CRLF or CR) is one record whose whole text, unparsed, is the value of the contract's one
/// column that the path does not give. Columns the path gives are Hive-style folders <c>name=value</c> (e.g.
/// <c>staging/date_str=2021-04-01/part.gz</c>) naming a contract column; their value (URL-decoded) fills every line of
/// the file. A line with bytes that are not UTF-8 is rejected whole (<c>invalid_encoding</c>); an empty last line is no record.
/// </summary>
internal static class TextLinesReader
{
    public static async IAsyncEnumerable<RawBatch> ReadAsync(Stream input, string path, LoadedJob job, int batchRows, [EnumeratorCancellation] CancellationToken ct)
    {
        var fromPath = PathColumns(path, job);
        var valueColumn = ValueColumn(path, job, fromPath);
        IReadOnlyList<string> names = [valueColumn, .. fromPath.Keys];
        var constants = fromPath.Values.ToArray();
        using var invalid = new InvalidBytes(input, new UTF8Encoding(false));
        using var reader = new StreamReader(invalid.Stream, invalid.Encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        long lineNumber = 0;
        var done = false;
        while (!done)
        {
            ct.ThrowIfCancellationRequested();
            var columns = new object?[names.Count][];
            for (var c = 0; c < columns.Length; c++) columns[c] = new object?[batchRows];
            var positions = new long[batchRows];
            var rejections = new List<Rejection>();
            var n = 0;
            long bytes = 0;
            var nul = false;
            while (n < batchRows)
            {
                var line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                if (line is null)
                {
                    done = true;
                    break;
                }
                lineNumber++;
                bytes += Encoding.UTF8.GetByteCount(line) + 1;
                if (invalid.Pending && line.Contains(InvalidBytes.Marker, StringComparison.Ordinal))
                {
                    var shown = invalid.Show(line, 200);
                    rejections.Add(new Rejection(path, lineNumber, valueColumn, Rejection.InvalidEncoding,
                        shown + "; " + invalid.Describe(line.Count(ch => ch == InvalidBytes.Marker)), false));
                    continue;
                }
                nul |= line.Contains('\0', StringComparison.Ordinal);
                columns[0][n] = line;
                for (var c = 0; c < constants.Length; c++) columns[c + 1][n] = constants[c];
                positions[n++] = lineNumber;
            }
            if (n == 0 && rejections.Count == 0) yield break;
            yield return new RawBatch(names, columns, positions, n, path) { Bytes = bytes, SourceRejections = rejections, HasNul = nul };
        }
    }

    /// <summary>The contract columns named by <c>name=value</c> folders of <paramref name="path"/> (the innermost wins).</summary>
    internal static Dictionary<string, string> PathColumns(string path, LoadedJob job)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var segments = path.Replace('\\', '/').Split('/');
        foreach (var segment in segments[..^1])
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) continue;
            var field = job.Contract.Fields.FirstOrDefault(f => string.Equals(f.Name, segment[..eq], StringComparison.OrdinalIgnoreCase));
            if (field is not null) result[field.Name] = Uri.UnescapeDataString(segment[(eq + 1)..]);
        }
        return result;
    }

    private static string ValueColumn(string path, LoadedJob job, Dictionary<string, string> fromPath)
    {
        var rest = job.Contract.Fields.Where(f => !fromPath.ContainsKey(f.Name)).ToList();
        if (rest.Count == 1) return rest[0].Name;
        throw new DativoException($"{path}: a text file gives one column (the line) and the folders name=value of its path give " +
            $"{(fromPath.Count == 0 ? "none" : string.Join(", ", fromPath.Keys))}; the contract {job.Contract.Name} has " +
            $"{rest.Count} other column(s) ({string.Join(", ", rest.Select(f => f.Name))}): keep exactly one, or put the others in the path as name=value folders");
    }
}
