using System.IO.Compression;
using Dativo.Core.Config.Jobs;
using Dativo.Ingestion.Records;
using Dativo.Ingestion.Sources.Files;
using DuckDB.NET.Data;

namespace Dativo.Ingestion.Discovery;

/// <summary>
/// Files a job would read (its globs and prefixes expanded) with size and modification time, and their columns:
/// the CSV header with a type inferred from the first <see cref="SampleRows"/> records, the keys of the first JSON
/// lines, or the Parquet schema.
/// </summary>
internal static partial class FileDiscovery
{
    public const int SampleRows = 1000;

    public static async Task<IReadOnlyList<DiscoveredFile>> FilesAsync(LoadedJob job, string sourceType, CancellationToken ct)
    {
        var result = new List<DiscoveredFile>();
        foreach (var f in await FileListing.ListAsync(job, ct).ConfigureAwait(false))
        {
            var format = FormatOf(f, job, sourceType);
            var cols = format switch
            {
                "csv" => await CsvColumnsAsync(job, f, ct).ConfigureAwait(false),
                "jsonl" => await JsonColumnsAsync(job, f, ct).ConfigureAwait(false),
                "parquet" when !f.Path.Contains("://", StringComparison.Ordinal) => await ParquetColumnsAsync(f.Path, ct).ConfigureAwait(false),
                _ => [],
            };
            result.Add(new DiscoveredFile(f.Path, format, f.Size, f.Modified, cols));
        }
        return result;
    }

    private static string FormatOf(SourceFileRef f, LoadedJob job, string sourceType)
    {
        var fmt = f.Format ?? job.Config.Source.Type ?? sourceType;
        if (fmt is "s3" or "file")
        {
            var name = f.Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? f.Path[..^3] : f.Path;
            fmt = Path.GetExtension(name).TrimStart('.').ToLowerInvariant();
        }
        return fmt switch { "ndjson" or "json" or "jsonlines" => "jsonl", "tsv" => "csv", _ => fmt };
    }

    private static async Task<TextReader> OpenTextAsync(LoadedJob job, SourceFileRef f, System.Text.Encoding encoding, CancellationToken ct)
    {
        var s = await f.Store.OpenReadAsync(f.Key, ct).ConfigureAwait(false);
        var gz = f.Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || job.Config.Source.Options?.Compression is "gzip";
        return new StreamReader(gz ? new GZipStream(s, CompressionMode.Decompress) : s, encoding, detectEncodingFromByteOrderMarks: true);
    }

    private static async Task<IReadOnlyList<DiscoveredColumn>> CsvColumnsAsync(LoadedJob job, SourceFileRef f, CancellationToken ct)
    {
        var o = CsvOptions.For(job);
        using var reader = await OpenTextAsync(job, f, o.Encoding, ct).ConfigureAwait(false);
        var parser = new CsvParser(reader, o.Delimiter, o.Quote, 1 << 16);
        var fields = new List<string>();
        var quoted = new List<bool>();
        if (!parser.ReadRecord(fields, quoted)) return [];
        var names = o.Header ? fields.Select((n, i) => n.Trim().Length == 0 ? $"column_{i + 1}" : n.Trim()).ToList()
            : [.. Enumerable.Range(1, fields.Count).Select(i => $"column_{i}")];
        var inference = names.Select(_ => new TypeInference()).ToArray();
        var nulls = o.NullValues.ToHashSet(StringComparer.Ordinal);
        var rows = 0;
        if (!o.Header) Observe(fields, quoted);
        while (rows++ < SampleRows && parser.ReadRecord(fields, quoted)) Observe(fields, quoted);
        return [.. names.Select((n, i) => new DiscoveredColumn(n, inference[i].Type, inference[i].SawNull || !inference[i].SawValue))];

        void Observe(List<string> values, List<bool> q)
        {
            for (var i = 0; i < Math.Min(values.Count, inference.Length); i++)
            {
                if (!q[i] && nulls.Contains(values[i])) inference[i].Null();
                else inference[i].Add(values[i]);
            }
        }
    }

    private static async Task<IReadOnlyList<DiscoveredColumn>> JsonColumnsAsync(LoadedJob job, SourceFileRef f, CancellationToken ct)
    {
        using var reader = await OpenTextAsync(job, f, new System.Text.UTF8Encoding(false), ct).ConfigureAwait(false);
        var columns = new List<(string Name, TypeInference T)>();
        for (var n = 0; n < SampleRows && await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line; n++)
        {
            if (line.Trim().Length == 0) continue;
            System.Text.Json.Nodes.JsonObject? obj;
            try { obj = System.Text.Json.Nodes.JsonNode.Parse(line) as System.Text.Json.Nodes.JsonObject; }
            catch (System.Text.Json.JsonException) { continue; }
            if (obj is null) continue;
            foreach (var (k, v) in obj)
            {
                var i = columns.FindIndex(c => c.Name == k);
                if (i < 0) { columns.Add((k, new TypeInference())); i = columns.Count - 1; }
                if (v is null) columns[i].T.Null();
                else if (v.GetValueKind() is System.Text.Json.JsonValueKind.Object or System.Text.Json.JsonValueKind.Array) columns[i].T.Add("{json}");
                else columns[i].T.Add(v.ToString());
            }
        }
        return [.. columns.Select(c => new DiscoveredColumn(c.Name, c.T.Type, c.T.SawNull || !c.T.SawValue))];
    }

    private static async Task<IReadOnlyList<DiscoveredColumn>> ParquetColumnsAsync(string path, CancellationToken ct)
    {
        using var conn = new DuckDBConnection("DataSource=:memory:");
        await conn.OpenAsync(ct).ConfigureAwait(false);
        var source = $"read_parquet('{path.Replace("'", "''", StringComparison.Ordinal)}')";
        var cols = new List<(string Name, string Type)>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = $"DESCRIBE SELECT * FROM {source}";
            using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false)) cols.Add((r.GetString(0), r.GetString(1).ToLowerInvariant()));
        }
        if (cols.Count == 0) return [];
        // nullable when the sample holds a null (the Parquet schema marks nearly every column optional)
        using var count = conn.CreateCommand();
        count.CommandText = $"SELECT count(*), {string.Join(", ", cols.Select(c => $"count(\"{c.Name.Replace("\"", "\"\"", StringComparison.Ordinal)}\")"))} " +
            $"FROM (SELECT * FROM {source} LIMIT {SampleRows})";
        using var n = await count.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await n.ReadAsync(ct).ConfigureAwait(false);
        var rows = n.GetInt64(0);
        return [.. cols.Select((c, i) => new DiscoveredColumn(c.Name, c.Type, rows == 0 || n.GetInt64(i + 1) < rows))];
    }

    /// <summary>
    /// The narrowest contract type all sampled values parse as: bigint; decimal(p, s) for plain decimal numbers (scale the
    /// most fractional digits seen, precision at least 18); double; boolean; date; timestamptz when every value carries an
    /// offset or Z, else timestamp; else string.
    /// </summary>
    private sealed partial class TypeInference
    {
        private bool _long = true, _decimal = true, _double = true, _bool = true, _date = true, _timestamp = true, _zoned = true;
        private int _integerDigits, _scale;

        public bool SawNull { get; private set; }
        public bool SawValue { get; private set; }

        public void Null() => SawNull = true;

        public void Add(string v)
        {
            SawValue = true;
            var t = v.Trim();
            _long &= ValueParser.TryLong(t, out _) && !t.Contains('.', StringComparison.Ordinal) && !t.Contains('e', StringComparison.OrdinalIgnoreCase);
            _decimal &= PlainDecimal(t);
            _double &= ValueParser.TryDouble(t, out _);
            _bool &= t.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "t" or "f";
            _date &= t.Length == 10 && ValueParser.TryDate(t, out _);
            _timestamp &= ValueParser.TryTimestamp(t, out _);
            _zoned &= t.Length > 10 && Zone().IsMatch(t[10..]);
        }

        private bool PlainDecimal(string t)
        {
            if (!_decimal || !Plain().IsMatch(t)) return false;
            var digits = t.TrimStart('+', '-');
            var dot = digits.IndexOf('.', StringComparison.Ordinal);
            var integer = (dot < 0 ? digits : digits[..dot]).TrimStart('0').Length;
            _integerDigits = Math.Max(_integerDigits, integer);
            _scale = Math.Max(_scale, dot < 0 ? 0 : digits.Length - dot - 1);
            return _integerDigits + _scale <= 38;
        }

        public string Type => !SawValue ? "string"
            : _long ? "bigint"
            : _decimal ? $"decimal({Math.Min(38, Math.Max(18, _integerDigits + _scale))},{_scale})"
            : _double ? "double"
            : _bool ? "boolean"
            : _date ? "date"
            : _timestamp ? (_zoned ? "timestamptz" : "timestamp")
            : "string";

        [System.Text.RegularExpressions.GeneratedRegex(@"^[+-]?[0-9]+(\.[0-9]+)?$")]
        private static partial System.Text.RegularExpressions.Regex Plain();

        [System.Text.RegularExpressions.GeneratedRegex(@"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$")]
        private static partial System.Text.RegularExpressions.Regex Zone();
    }
}
